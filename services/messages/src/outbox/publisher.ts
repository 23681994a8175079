/** What the outbox relay needs from a message broker. */
export interface Publisher {
  /**
   * Publishes `data` on `subject` with `msgId` as the broker's de-duplication id, resolving once the broker has
   * stored it (a JetStream PubAck). `duplicate` is true when the broker already had that id.
   */
  publish(subject: string, data: Uint8Array, msgId: string): Promise<{ duplicate: boolean }>;
}
