// The pure parts of src/kube: names, quantities, field paths, YAML 1.1
// emission, and the translation of documents into a plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emitDocuments, fieldPath, formatCpu, formatMemory, k8sName, parseDocuments, parseQuantity, translate } from '../../src/kube/index.ts';

test('quantities both ways', () => {
  assert.equal(formatMemory(64 * 2 ** 20), '64Mi');
  assert.equal(formatMemory(1000), '1000');
  assert.equal(formatCpu(0.5), '500m');
  assert.equal(formatCpu(2), '2');
  assert.equal(parseQuantity('64Mi'), 64 * 2 ** 20);
  assert.equal(parseQuantity('1G'), 1e9);
  assert.equal(parseQuantity('500m'), 0.5);
  assert.equal(parseQuantity(2), 2);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity('lots'), undefined);
});

test('names and field paths', () => {
  assert.equal(k8sName('/var/My_Data/'), 'var-my-data');
  assert.equal(k8sName('x'.repeat(80)).length, 63);
  assert.equal(fieldPath('/spec/containers/0/ports/1/containerPort'), 'spec.containers[0].ports[1].containerPort');
});

test('emitted YAML quotes what a YAML 1.1 reader would misread', () => {
  const text = emitDocuments([{ a: 'on', b: 'yes', c: '0755', d: '80', e: 'plain', f: 80 }, { g: 'off' }]);
  assert.equal(text, 'a: "on"\nb: "yes"\nc: "0755"\nd: "80"\ne: plain\nf: 80\n---\ng: "off"\n');
});

test('translate: a Service nodePort on a pod already publishing it is not doubled; named targetPort', () => {
  const docs = parseDocuments(`apiVersion: v1
kind: Pod
metadata: {name: p, labels: {app: p}}
spec:
  containers:
    - {name: a, image: img, ports: [{name: web, containerPort: 80, hostPort: 8080}, {name: admin, containerPort: 81}]}
---
apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  selector: {app: p}
  ports: [{port: 80, nodePort: 8080}, {port: 81, targetPort: admin, nodePort: 8081}]
`);
  const plan = translate(docs);
  assert.deepEqual(plan.pods[0].spec.publish, ['8080:80/tcp', '8081:81/tcp']);
  assert.equal(plan.pods[0].containers[0].name, 'p-a');
  assert.deepEqual(plan.pods[0].containers[0].restartPolicy, { name: 'always' });
});
