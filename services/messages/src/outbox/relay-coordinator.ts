/**
 * What lets several replicas run the relay safely: one of them holds the lease and publishes (so events leave
 * in order), the others stand by; and a wake-up when a write commits, so the relay does not wait for its poll.
 */
export interface RelayCoordinator extends AsyncDisposable {
  /** Tries to become (or stay) the publishing replica; false while another one holds the lease. */
  tryLead(): Promise<boolean>;
  /** False once the lease is lost (its session ended); `tryLead()` again. */
  readonly leading: boolean;
  /** Calls `listener` whenever new outbox events may have committed. */
  onWake(listener: () => void): void;
  close(): Promise<void>;
}
