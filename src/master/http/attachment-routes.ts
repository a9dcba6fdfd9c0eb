import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AttachmentSchema, MAX_ATTACHMENT_BYTES } from '../../protocol/index.js';
import type { AttachmentFiles } from '../attachments/index.js';
import { route } from './route.js';

const UploadQuery = z.strictObject({
  name: AttachmentSchema.shape.name.default('attachment'),
  mime: AttachmentSchema.shape.mime.default('application/octet-stream'),
});

/**
 * `POST /api/attachments?name=&mime=` (default `attachment`, `application/octet-stream`): the raw body (any content type) stored as a job's file,
 * answered `201` with its `Attachment` once it is durable, which `POST /api/jobs` then names in `attachments`.
 */
export function registerAttachmentRoutes(app: FastifyInstance, files: AttachmentFiles): void {
  // Registered when the app is made ready, like every plugin.
  void app.register((scope, _options, done) => {
    // In this scope only: every body is the file's bytes, JSON ones too, up to the attachment limit.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_ATTACHMENT_BYTES }, (_req, body, done) => done(null, body));
    route(scope, {
      method: 'POST',
      url: '/api/attachments',
      query: UploadQuery,
      body: z.instanceof(Buffer, { message: 'send the file as the request body' }),
      handler: async ({ query, body }, _req, reply) => reply.status(201).send(await files.save(body, query.name, query.mime)),
    });
    done();
  });
}
