// Reading a Compose file's YAML: anchors and `<<` merge keys (common in
// x-* fragments), and the Compose tags `!reset` (drop the value inherited
// from earlier files) and `!override` (replace it instead of merging), kept
// as Tagged wrappers until the merge consumes them.
import { parseDocument, YAMLMap, YAMLSeq } from 'yaml';
import type { Where } from './check.ts';

export class Tagged {
  readonly tag: 'reset' | 'override';
  readonly value: unknown;
  constructor(tag: 'reset' | 'override', value: unknown) {
    this.tag = tag;
    this.value = value;
  }
}

type ToJSON = YAMLMap['toJSON'];

function tagsFor(name: 'reset' | 'override') {
  class TaggedMap extends YAMLMap {
    override toJSON(...args: Parameters<ToJSON>): never {
      return new Tagged(name, super.toJSON(...args)) as never;
    }
  }
  class TaggedSeq extends YAMLSeq {
    override toJSON(...args: Parameters<YAMLSeq['toJSON']>): never {
      return new Tagged(name, super.toJSON(...args)) as never;
    }
  }
  return [
    { tag: `!${name}`, resolve: (s: string) => new Tagged(name, s) },
    { tag: `!${name}`, collection: 'map' as const, nodeClass: TaggedMap },
    { tag: `!${name}`, collection: 'seq' as const, nodeClass: TaggedSeq },
  ];
}

const CUSTOM_TAGS = [...tagsFor('reset'), ...tagsFor('override')];

/** Parses one Compose file; syntax errors name the file and line. */
export function parseYaml(text: string, w: Where): unknown {
  const doc = parseDocument(text, { merge: true, customTags: CUSTOM_TAGS as never, prettyErrors: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.linePos?.[0];
    w.fail(`invalid YAML${line ? ` at line ${line.line}, column ${line.col}` : ''}: ${e.message.split('\n')[0]}`);
  }
  return doc.toJS({ maxAliasCount: 1000 });
}
