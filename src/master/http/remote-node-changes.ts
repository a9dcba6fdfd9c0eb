import type { NodeView } from './node-view.js';

/** A node event of the dashboard's feed. */
export interface NodeViewEvent {
  event: 'connected' | 'updated' | 'disconnected';
  node: NodeView;
}

/**
 * What changed in the other masters' node lists since the dashboards were last told: they publish
 * whole lists, the dashboards hear of each node that came, changed or went. A node's activity
 * time alone is no change (their lists are republished every heartbeat round for it): as for this
 * master's nodes, the dashboard shows it as of its last fetch or event.
 */
export class RemoteNodeChanges {
  /** Per node id, what the dashboards have: the view, and its text without the activity time. */
  private sent = new Map<string, { view: NodeView; text: string }>();

  /** The dashboards fetch these now (the first one connected): nothing to tell about them. */
  reset(views: readonly NodeView[]): void {
    this.sent = new Map(views.map((view) => [view.id, { view, text: comparable(view) }]));
  }

  /** The events that bring the dashboards from what they were told to `views`, and remembers them as told. */
  changes(views: readonly NodeView[]): NodeViewEvent[] {
    const now = new Map(views.map((view) => [view.id, { view, text: comparable(view) }]));
    const events: NodeViewEvent[] = [];
    for (const [id, { view }] of this.sent) if (!now.has(id)) events.push({ event: 'disconnected', node: view });
    for (const [id, entry] of now) {
      const before = this.sent.get(id);
      if (before === undefined) events.push({ event: 'connected', node: entry.view });
      else if (before.text !== entry.text) events.push({ event: 'updated', node: entry.view });
    }
    this.sent = now;
    return events;
  }

  /** Forgets everything (nobody is listening). */
  clear(): void {
    this.sent.clear();
  }
}

function comparable(view: NodeView): string {
  return JSON.stringify({ ...view, lastActivity: undefined });
}
