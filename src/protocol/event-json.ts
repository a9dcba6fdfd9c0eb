import type { SequencedJobEvent } from './jobs.js';

const encoded = new WeakMap<SequencedJobEvent, string>();

/**
 * The JSON of a sequenced event's `event`, encoded once however many places need it: the store's
 * row and every log follower's line (encoding each event twice was a tenth of ingest's cost).
 */
export function jobEventJson(sequenced: SequencedJobEvent): string {
  let json = encoded.get(sequenced);
  if (json === undefined) {
    json = JSON.stringify(sequenced.event);
    encoded.set(sequenced, json);
  }
  return json;
}

/** Records JSON already at hand for an event (as read from the store), so it is not encoded again. */
export function knownJobEventJson(sequenced: SequencedJobEvent, json: string): SequencedJobEvent {
  encoded.set(sequenced, json);
  return sequenced;
}

/** The whole sequenced event as JSON (`{"seq":…,"at":…,"event":…}`), from its event's JSON. */
export function sequencedJobEventJson(sequenced: SequencedJobEvent): string {
  return `{"seq":${sequenced.seq},"at":${JSON.stringify(sequenced.at)},"event":${jobEventJson(sequenced)}}`;
}
