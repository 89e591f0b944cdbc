// TLS against a real docker-registry serving https with an openssl-made CA:
// certs.d CA trust, tls-verify=false, and client certificates.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../../../src/image/registry/client.ts';
import { HuskError } from '../../../src/common/errors.ts';
import { startRegistry, type RunningRegistry } from '../../registry-server.ts';
import { makePki, type TestPki } from './fixtures.ts';

describe('https registry', () => {
  let pki: TestPki;
  let reg: RunningRegistry;
  let mtls: RunningRegistry;
  let certs: string;
  before(async () => {
    pki = makePki();
    reg = await startRegistry({ tls: { cert: pki.serverCert, key: pki.serverKey } });
    mtls = await startRegistry({ tls: { cert: pki.serverCert, key: pki.serverKey, clientCAs: [pki.ca] } });
    certs = mkdtempSync(join(tmpdir(), 'husk-certsd-'));
  });
  after(async () => {
    await reg.stop();
    await mtls.stop();
    rmSync(pki.dir, { recursive: true, force: true });
    rmSync(certs, { recursive: true, force: true });
  });

  test('an unknown CA is refused unless tls-verify=false (which stays on https)', async () => {
    const strict = new RegistryClient({ registry: reg.host, certDir: join(certs, 'none') });
    await assert.rejects(strict.ping(), (e: HuskError) => e.code === 'REGISTRY' && /certificate/i.test(e.message) && e.message.includes(reg.host));
    strict.close();
    const insecure = new RegistryClient({ registry: reg.host, insecure: true, certDir: join(certs, 'none') });
    assert.equal(await insecure.endpoint(), `https://${reg.host}`);
    assert.deepEqual(await insecure.catalog(), []);
    insecure.close();
  });

  test('ca.crt in the certs.d directory is trusted', async () => {
    const dir = join(certs, 'ca-only');
    mkdirSync(dir);
    copyFileSync(pki.ca, join(dir, 'ca.crt'));
    const c = new RegistryClient({ registry: reg.host, certDir: dir });
    await c.ping();
    assert.equal(await c.endpoint(), `https://${reg.host}`);
    c.close();
  });

  test('client.cert/client.key are presented to a registry that demands them', async () => {
    const caOnly = join(certs, 'ca-only2');
    mkdirSync(caOnly);
    copyFileSync(pki.ca, join(caOnly, 'ca.crt'));
    const without = new RegistryClient({ registry: mtls.host, certDir: caOnly });
    await assert.rejects(without.ping(), (e: HuskError) => e.code === 'REGISTRY');
    without.close();

    const dir = join(certs, 'mtls');
    mkdirSync(dir);
    copyFileSync(pki.ca, join(dir, 'ca.crt'));
    copyFileSync(pki.clientCert, join(dir, 'client.cert'));
    copyFileSync(pki.clientKey, join(dir, 'client.key'));
    const c = new RegistryClient({ registry: mtls.host, certDir: dir });
    await c.ping();
    c.close();

    const broken = join(certs, 'broken');
    mkdirSync(broken);
    copyFileSync(pki.clientCert, join(broken, 'client.cert'));
    assert.throws(() => new RegistryClient({ registry: mtls.host, certDir: broken }), /missing key client.key/);
  });
});
