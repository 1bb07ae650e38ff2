import { sendControlRequest } from './control-client.js';
import type { Holder } from './control-server.js';
import { controlSocketPath } from './socket-path.js';

/** The worker holding a data directory, if one answers on its socket (nothing is claimed). */
export async function findWorker(dataPath: string): Promise<Holder | undefined> {
  // On PostgreSQL (--pg) workers share the database and answer no socket.
  if (/^postgres(ql)?:\/\//i.test(dataPath)) return undefined;
  try {
    const reply = await sendControlRequest(controlSocketPath(dataPath), { op: 'hello' }, 5000);
    return reply.role === 'worker' ? { role: reply.role, pid: reply.pid, name: reply.name } : undefined;
  } catch {
    return undefined;
  }
}
