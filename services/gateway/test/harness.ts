/**
 * The gateway tests' stack is the shared one of libs/testing (`startStack`: a test database, NATS, Redis under a
 * unique prefix, the messages service and N gateway processes), under the names these tests use.
 */
export {
  sleep,
  startStack as startGatewayStack,
  type AdminSocket,
  type ClientSocket,
  type Recorded,
  type Stack as GatewayStack,
} from '@switchboard/testing';
