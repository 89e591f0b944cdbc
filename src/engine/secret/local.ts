// The local implementation of the secrets domain, over store.ts (loaded on
// first call).
import { HuskError, invalidArgument } from '../../common/errors.ts';
import type { Filters, ItemReport } from '../api.ts';
import type { EngineContext } from '../context.ts';
import { compileFilters, labelMatcher, notLabelMatcher } from '../filters.ts';
import { toReportError } from '../reports.ts';
import type { Secret, SecretCreateOptions, SecretRemoveOptions, SecretsAPI } from './api.ts';

const store = () => import('./store.ts');

export class LocalSecrets implements SecretsAPI {
  readonly #e: EngineContext;

  constructor(ctx: EngineContext) {
    this.#e = ctx;
  }

  async create(name: string, o: SecretCreateOptions): Promise<{ id: string }> {
    if (typeof o?.data !== 'string') throw invalidArgument('secret data (base64) is required');
    const data = Buffer.from(o.data, 'base64');
    const id = await (await store()).storeSecret(this.#e, name, data, o);
    return { id };
  }

  async list(o: { filters?: Filters } = {}): Promise<Secret[]> {
    const keep = compileFilters<Secret>(o.filters, {
      name: (v) => {
        let re: RegExp;
        try { re = new RegExp(v); } catch { throw invalidArgument(`invalid regular expression "${v}" in secret filter`); }
        return (s) => re.test(s.Spec.Name);
      },
      id: (v) => (s) => s.ID.startsWith(v),
      label: labelMatcher((s) => s.Spec.Labels),
      'label!': notLabelMatcher((s) => s.Spec.Labels),
    }, 'secret');
    return (await (await store()).listSecrets(this.#e)).filter(keep);
  }

  async inspect(nameOrId: string, o: { showSecret?: boolean } = {}): Promise<Secret> {
    return (await store()).inspectSecret(this.#e, nameOrId, !!o.showSecret);
  }

  async exists(nameOrId: string): Promise<boolean> {
    return (await store()).secretExists(this.#e, nameOrId);
  }

  async remove(names: string[], o: SecretRemoveOptions = {}): Promise<ItemReport[]> {
    // Podman's words for both mistakes.
    if (!!o.all === names.length > 0) throw invalidArgument('`secret rm` requires one argument, or the --all flag');
    const S = await store();
    const targets = o.all ? (await S.listSecrets(this.#e)).map((s) => s.ID) : names;
    const out: ItemReport[] = [];
    for (const n of targets) {
      try {
        const { id } = await S.removeSecret(this.#e, n);
        out.push({ id, rawInput: n });
      } catch (err) {
        if (o.ignore && err instanceof HuskError && err.code === 'NO_SUCH_SECRET') continue;
        out.push({ id: n, rawInput: n, error: toReportError(err) });
      }
    }
    return out;
  }
}
