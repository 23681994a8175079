/**
 * `npm run apps:identity-key -- --app ID [--alg HS256|ES256] [--jwk FILE] | --list | --delete KID`: the identity keys
 * of an app (CONTRACT.md, "Identity keys"), on `DATABASE_URL` or through a running service's operator API.
 */
import { readFileSync } from 'node:fs';
import { appPath, CreateIdentityKeyRequest, IdField, parseWith, REST_PATHS } from '@switchboard/protocol';
import { notifyOutbox } from '../repositories/outbox.js';
import { createIdentityKey, listIdentityKeys, removeIdentityKey } from '../use-cases/identity-keys.js';
import { mainOf, UsageError, type OperatorCli } from './operator-cli.js';

const USAGE = `usage: npm run -s apps:identity-key -- --app ID [--alg HS256|ES256] [--jwk FILE] | --list | --delete KID

Adds, lists or deletes an app's identity keys (the keys its backend signs user and agent tokens with), printing
the operator API's JSON on stdout.

options:
  --app ID        the app (required)
  --alg ALG       add a key: HS256 (default; the secret is generated and printed this once) or ES256
  --jwk FILE      add an ES256 key: the app's public EC P-256 JWK, as JSON in FILE (implies --alg ES256)
  --list          list the app's keys (never their secrets)
  --delete KID    delete a key: tokens it signed stop working, and sockets they opened are disconnected;
                  prints { "kid", "deleted": true }
  -h, --help      print this help

An app holds at most 5 keys: to rotate, add a key, switch the signer, then delete the old one.
With DATABASE_URL set, the database is used directly (running services see the change within 15 s). Otherwise the
operator API of a running service is called: MESSAGES_URL (default http://127.0.0.1:3001) with OPERATOR_TOKEN
(default: the token \`npm start\` generated in DATA_DIR/operator-token, DATA_DIR default .data).
`;

type Args =
  | { readonly action: 'create'; readonly app: string; readonly request: CreateIdentityKeyRequest }
  | { readonly action: 'list'; readonly app: string }
  | { readonly action: 'delete'; readonly app: string; readonly kid: string };

const keysPath = (app: string) => appPath(REST_PATHS.identityKeys, app);

const cli: OperatorCli<Args> = {
  name: 'apps:identity-key',
  usage: USAGE,
  options: { app: { type: 'string' }, alg: { type: 'string' }, jwk: { type: 'string' }, list: { type: 'boolean' }, delete: { type: 'string' } },
  parse(values) {
    const app = values.app;
    if (typeof app !== 'string' || !IdField.safeParse(app).success) throw new UsageError('--app ID is required');
    const creating = values.alg !== undefined || values.jwk !== undefined;
    if ([creating, values.list === true, values.delete !== undefined].filter(Boolean).length > 1) {
      throw new UsageError('give one of --alg/--jwk, --list and --delete');
    }
    if (values.list) return { action: 'list', app };
    if (typeof values.delete === 'string') {
      if (!values.delete) throw new UsageError('--delete needs a kid');
      return { action: 'delete', app, kid: values.delete };
    }
    const alg = values.alg ?? (values.jwk !== undefined ? 'ES256' : 'HS256');
    let body: unknown = { alg };
    if (alg === 'ES256') {
      if (typeof values.jwk !== 'string') throw new UsageError('--alg ES256 needs --jwk FILE (the public key)');
      let jwk: unknown;
      try {
        jwk = JSON.parse(readFileSync(values.jwk, 'utf8'));
      } catch (error) {
        throw new UsageError(`--jwk ${values.jwk}: ${(error as Error).message}`);
      }
      body = { alg, jwk };
    } else if (values.jwk !== undefined) {
      throw new UsageError('--jwk goes with --alg ES256');
    }
    const parsed = parseWith(CreateIdentityKeyRequest, body);
    if (!parsed.ok) throw new UsageError(parsed.fields.map((f) => `${f.path}: ${f.message}`).join('; '));
    return { action: 'create', app, request: parsed.value };
  },
  async viaDatabase(db, args) {
    switch (args.action) {
      case 'create':
        return createIdentityKey(db, args.app, args.request);
      case 'list':
        return listIdentityKeys(db, args.app);
      case 'delete':
        await removeIdentityKey(db, args.app, args.kid);
        // Wake the running relays at once; they would find the revocation event at their next poll anyway.
        await notifyOutbox(db).catch(() => undefined);
        return { kid: args.kid, deleted: true };
    }
  },
  viaApi(args) {
    switch (args.action) {
      case 'create':
        return { method: 'POST', path: keysPath(args.app), body: args.request, expect: 201, print: (body) => body };
      case 'list':
        return { method: 'GET', path: keysPath(args.app), expect: 200, print: (body) => body };
      case 'delete':
        return {
          method: 'DELETE',
          path: `${keysPath(args.app)}/${encodeURIComponent(args.kid)}`,
          expect: 204,
          print: () => ({ kid: args.kid, deleted: true }),
        };
    }
  },
};

mainOf(cli);
