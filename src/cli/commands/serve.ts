/** `leadlens serve`: the express host (functions, webhooks, workflow action, pages). */
import type { Server } from 'node:http';
import { type Command } from 'commander';
import type { PipelineDeps } from '../../pipeline';
import { createServer } from '../../server/app';
import { openDeps, withCrmFlags, type CrmFlags } from '../context';

export function listen(
  deps: PipelineDeps,
  opts: { port: number; host?: string; clientSecret: string; publicBaseUrl?: string },
): Promise<{ server: Server; url: string; flushWebhooks: () => Promise<void> }> {
  const { app, flushWebhooks } = createServer(deps, {
    clientSecret: opts.clientSecret,
    publicBaseUrl: opts.publicBaseUrl,
  });
  return new Promise((resolve, reject) => {
    const server = app.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.port;
      resolve({ server, url: `http://${opts.host ?? '127.0.0.1'}:${port}`, flushWebhooks });
    });
    server.on('error', reject);
  });
}

export function register(program: Command): void {
  withCrmFlags(
    program
      .command('serve')
      .description(
        'Serve the functions (POST /functions/:name), webhooks, the workflow action, the scored-contacts page, card previews and the model report.',
      )
      .option('--port <port>', 'port to listen on (0 picks a free one)', '3000')
      .option('--host <host>', 'interface to bind', '127.0.0.1')
      .option('--public-url <url>', 'the URL HubSpot calls (request signatures cover it)')
      .option(
        '--client-secret <secret>',
        "the app's client secret (default: HUBSPOT_CLIENT_SECRET)",
      ),
  ).action(
    async (
      flags: CrmFlags & { port: string; host: string; publicUrl?: string; clientSecret?: string },
    ) => {
      const clientSecret = flags.clientSecret ?? process.env.HUBSPOT_CLIENT_SECRET;
      if (!clientSecret) {
        throw new Error(
          'No client secret: pass --client-secret or set HUBSPOT_CLIENT_SECRET (needed to verify HubSpot webhooks and workflow actions).',
        );
      }
      const deps = await openDeps(flags);
      const { url, server, flushWebhooks } = await listen(deps, {
        port: Number(flags.port),
        host: flags.host,
        clientSecret,
        publicBaseUrl: flags.publicUrl,
      });
      process.stdout.write(`listening on ${url}\n`);
      const stop = () => {
        server.close();
        void flushWebhooks().finally(() => void deps.close());
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
  );
}
