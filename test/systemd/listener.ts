// A NOTIFY_SOCKET for tests: a unix datagram socket bound by a small python3
// process (Node has no datagram unix sockets), which prints every message it
// receives as one JSON line. Real sd_notify senders (systemd-notify, conmon)
// write to it as they would to systemd.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { until } from '../helpers.ts';

const SCRIPT = `
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
print(json.dumps("listening"), flush=True)
while True:
    print(json.dumps(s.recv(65536).decode()), flush=True)
`;

export class NotifyListener {
  readonly path: string;
  readonly messages: string[] = [];
  private readonly child: ChildProcess;
  private listening = false;

  constructor(dir: string, name = 'notify.sock') {
    this.path = join(dir, name);
    this.child = spawn('/usr/bin/python3', ['-c', SCRIPT, this.path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const m = JSON.parse(buf.slice(0, nl)) as string;
        buf = buf.slice(nl + 1);
        if (m === 'listening' && !this.listening) this.listening = true;
        else this.messages.push(m);
      }
    });
  }

  ready(): Promise<unknown> {
    return until(() => this.listening, 10_000);
  }

  /** Waits until some message matches. */
  waitFor(re: RegExp, timeoutMs = 30_000): Promise<string> {
    return until(() => this.messages.find((m) => re.test(m)), timeoutMs);
  }

  close(): void {
    this.child.kill();
  }
}
