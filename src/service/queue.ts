/**
 * A queue the app sends JSON messages to: events, follow-up requests, poison records, and the
 * messages that drive its own background work. The adapter encodes them as the Functions host
 * expects to read them.
 */
export interface Queue {
  readonly name: string;
  /** Resolves with the new message's id once the queue has it. */
  send(value: unknown, signal?: AbortSignal): Promise<string>;
  /**
   * Sends a message that no one can receive before `delaySeconds` have passed (at most 7 days), and
   * keeps what is needed to withdraw it or to show it earlier, as long as no one has received it.
   */
  sendLater(value: unknown, delaySeconds: number, signal?: AbortSignal): Promise<HeldMessage>;
  /** Withdraws a held message; one already received by someone else is left alone. */
  withdraw(message: HeldMessage, signal?: AbortSignal): Promise<void>;
  /** Makes a held message receivable now. */
  showNow(message: HeldMessage, signal?: AbortSignal): Promise<void>;
}

/** A message this instance sent and may still withdraw: its id and its current pop receipt. */
export interface HeldMessage {
  messageId: string;
  popReceipt: string;
}
