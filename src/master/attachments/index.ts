export { AttachmentFiles, partCount } from './attachment-files.js';
export { AttachmentSender, type NodeLink } from './attachment-sender.js';
export { Uploads } from './uploads.js';
