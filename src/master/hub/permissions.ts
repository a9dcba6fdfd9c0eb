import type { FrameType, HelloFrame, Role } from '../../protocol/index.js';
import type { PeerPrincipal } from '../auth/index.js';

/**
 * The JSON frames a client may send the master, and the credential roles that may send each: the
 * one place a credential's role limits what its connection can do. A node credential can only be
 * a node: it cannot speak into chats (`command`, `response`) nor ask for jobs as a bridge; a bridge
 * credential cannot report job events. Frame types not listed are sent by the master only.
 */
export const FRAME_SENDERS = {
  hello: ['node', 'bridge'],
  chat: ['node', 'bridge'],
  error: ['node', 'bridge'],
  command: ['bridge'],
  response: ['bridge'],
  job_events: ['node'],
  job_submit: ['bridge'],
  job_cancel_request: ['bridge'],
  status_request: ['bridge'],
  job_follow: ['bridge'],
  job_publish_request: ['bridge'],
  question_answer: ['bridge'],
  attachment_upload: ['bridge'],
  usage_request: ['bridge'],
  chat_error: ['bridge'],
  job_published: ['node'],
} as const satisfies Partial<Record<FrameType, readonly Role[]>>;

/** A frame type clients may send. */
export type InboundFrameType = keyof typeof FRAME_SENDERS;

/** Whether a connection holding a `role` credential may send a frame of this type. */
export function maySend(role: Role, type: FrameType): boolean {
  const senders: readonly Role[] | undefined = (FRAME_SENDERS as Partial<Record<FrameType, readonly Role[]>>)[type];
  return senders === undefined || senders.includes(role);
}

/** Why a hello claims more than its credential grants, if it does: the role is the credential's. */
export function identityRefusal(principal: PeerPrincipal, hello: HelloFrame): string | undefined {
  return hello.role === principal.role ? undefined : `a ${principal.role} credential cannot say hello as a ${hello.role}`;
}
