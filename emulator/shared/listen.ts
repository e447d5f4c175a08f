/** Starting and stopping an emulator's HTTP server, the same for both emulators. */
import { type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type Express } from 'express';

export interface Listening {
  server: Server;
  port: number;
  url: string;
  /** Closes every connection (idle keep-alives too, so no client holds the process open). */
  close(): Promise<void>;
}

export async function listen(
  app: Express,
  opts: { port?: number; host?: string; keepAliveTimeoutMs: number },
): Promise<Listening> {
  const host = opts.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(opts.port ?? 0, host, () => resolve(s));
    s.once('error', reject);
  });
  server.keepAliveTimeout = opts.keepAliveTimeoutMs;
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
