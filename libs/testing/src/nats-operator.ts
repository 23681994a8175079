import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createAccount,
  createOperator,
  createUser,
  encodeAccount,
  encodeOperator,
  encodeUser,
  fmtCreds,
  type KeyPair,
} from '@nats-io/jwt';

/** NATS operator mode (JWT security, as `nsc` sets it up) for a private nats-server: `startNatsServer({ configFile })`. */
export interface NatsOperatorSetup extends AsyncDisposable {
  /** The server configuration: the operator, a system account and one account with JetStream, in a memory resolver. */
  readonly configFile: string;
  /** A creds file (user JWT and seed) of a user of that account. */
  readonly credsFile: string;
  /** A well-formed creds file whose account the server does not know: refused. */
  readonly unknownCredsFile: string;
}

const unlimited = { subs: -1, data: -1, payload: -1 };

/** Writes an operator, its accounts and users with `@nats-io/jwt` (what `nsc` would make), into a temporary folder. */
export async function createNatsOperatorSetup(): Promise<NatsOperatorSetup> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sb-nats-op-'));
  const operator = createOperator();
  const system = createAccount();
  const account = createAccount();
  const accountLimits = { ...unlimited, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1, mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 };
  const operatorJwt = await encodeOperator('switchboard-test', operator, { system_account: system.getPublicKey() });
  const systemJwt = await encodeAccount('SYS', system, {}, { signer: operator });
  const accountJwt = await encodeAccount('SWITCHBOARD', account, { limits: accountLimits }, { signer: operator });
  const creds = async (file: string, issuer: KeyPair) => {
    const user = createUser();
    await writeFile(path.join(dir, file), fmtCreds(await encodeUser('switchboard', user, issuer, unlimited), user), { mode: 0o600 });
    return path.join(dir, file);
  };
  const configFile = path.join(dir, 'server.conf');
  await writeFile(
    configFile,
    [
      `operator: ${operatorJwt}`,
      `system_account: ${system.getPublicKey()}`,
      'resolver: MEMORY',
      'resolver_preload: {',
      `  ${system.getPublicKey()}: ${systemJwt}`,
      `  ${account.getPublicKey()}: ${accountJwt}`,
      '}',
      '',
    ].join('\n'),
  );
  return {
    configFile,
    credsFile: await creds('user.creds', account),
    unknownCredsFile: await creds('unknown.creds', createAccount()),
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}
