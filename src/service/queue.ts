/**
 * A queue the app sends JSON messages to: events, follow-up requests, poison records. The adapter
 * encodes them as the Functions host expects to read them.
 */
export interface Queue {
  readonly name: string;
  /** Resolves with the new message's id once the queue has it. */
  send(value: unknown, signal?: AbortSignal): Promise<string>;
}
