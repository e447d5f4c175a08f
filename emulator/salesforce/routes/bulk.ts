/**
 * Bulk API 2.0 ingest routes (`/services/data/vNN.N/jobs/ingest…`). Registered before the JSON
 * body parser: the upload is `text/csv`. Results are CSV, as jsforce's bulk2 reads them.
 */
import express, { type Express, type Request, type Response } from 'express';
import { type BulkJobs } from '../bulk';
import { SfError, sendJson } from '../errors';

type Wrap = (h: (req: Request, res: Response) => void) => (req: Request, res: Response) => void;

export function registerBulk(app: Express, jobs: BulkJobs, wrap: Wrap): void {
  const base = '/services/data/:version/jobs/ingest';
  const json = express.json({ type: () => true });
  const version = (req: Request) => String(req.res?.locals.apiVersion ?? '62.0');

  app.post(
    base,
    json,
    wrap((req, res) => {
      const job = jobs.create((req.body ?? {}) as Record<string, unknown>, version(req));
      sendJson(res, 200, jobs.info(job));
    }),
  );
  app.get(
    base,
    wrap((_req, res) => {
      sendJson(res, 200, {
        done: true,
        records: [...jobs.jobs.values()].map((j) => jobs.info(j)),
        nextRecordsUrl: null,
      });
    }),
  );
  app.put(
    `${base}/:id/batches`,
    express.text({ type: () => true, limit: '151mb' }),
    wrap((req, res) => {
      const type = req.get('content-type') ?? '';
      if (!/^text\/csv\b/i.test(type))
        throw new SfError(
          400,
          'INVALIDCONTENTTYPE',
          `Content-Type ${type || '(none)'} is not text/csv`,
        );
      jobs.upload(String(req.params.id), typeof req.body === 'string' ? req.body : '');
      res.status(201).end();
    }),
  );
  app.patch(
    `${base}/:id`,
    json,
    wrap((req, res) => {
      const body = (req.body ?? {}) as { state?: unknown };
      sendJson(res, 200, jobs.info(jobs.setState(String(req.params.id), body.state)));
    }),
  );
  app.get(
    `${base}/:id`,
    wrap((req, res) => sendJson(res, 200, jobs.info(jobs.get(String(req.params.id))))),
  );
  const results = (kind: 'successful' | 'failed' | 'unprocessed') =>
    wrap((req, res) => {
      const csv = jobs.results(String(req.params.id), kind);
      res.status(200).type('text/csv').send(csv);
    });
  app.get(`${base}/:id/successfulResults`, results('successful'));
  app.get(`${base}/:id/failedResults`, results('failed'));
  app.get(`${base}/:id/unprocessedrecords`, results('unprocessed'));
  app.delete(
    `${base}/:id`,
    wrap((req, res) => {
      jobs.delete(String(req.params.id));
      res.status(204).end();
    }),
  );
}
