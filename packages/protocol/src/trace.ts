import { errnoName } from './abi/errno.js';

/** "→ 12 LOOKUP nodeid=1 uid=0 gid=0 pid=42 name="a"": one line per request. */
export function formatRequestLine(unique: string, name: string, nodeid: number, uid: number, gid: number, pid: number, args: string): string {
  return `→ ${unique} ${name} nodeid=${nodeid} uid=${uid} gid=${gid} pid=${pid}${args ? ' ' + args : ''}`;
}

/** "← 12 LOOKUP ok 144 B 3.1 µs" or "← 12 LOOKUP ENOENT 16 B 2.0 µs": one line per reply. */
export function formatReplyLine(unique: string, name: string, error: number, bytes: number, micros: number | undefined): string {
  const result = error === 0 ? 'ok' : (errnoName(error) ?? `errno ${error}`);
  const time = micros === undefined ? '' : ` ${micros.toFixed(1)} µs`;
  return `← ${unique} ${name} ${result} ${bytes} B${time}`;
}
