import { z } from 'zod';
import {
  App,
  Conversation,
  ConversationPage,
  CreateAppRequest,
  CreateConversationRequest,
  CreatedApp,
  CreatedIdentityKey,
  CreateIdentityKeyRequest,
  ConversationStatus,
  CREDENTIAL_HEADERS,
  DEVICE_ID_PATTERN,
  ERROR_STATUS,
  IDENTITY,
  IdentityKeyList,
  LIMITS,
  MarkReadRequest,
  Message,
  MessagePage,
  REST_PATHS,
  RotateCredentialsRequest,
  RotatedCredential,
  SendMessageRequest,
  UpdateAppRequest,
  UpdateConversationRequest,
  WORKFLOW,
  type ErrorCode,
  type RestPath,
} from '@switchboard/protocol';

/** A router pattern as an OpenAPI path: `/v1/conversations/:id` is `/v1/conversations/{id}`. */
const openApiPath = (pattern: RestPath) => pattern.replace(/:([a-z_]+)/g, '{$1}');

/**
 * The OpenAPI 3.1 document of the public REST API, generated from the same zod schemas that validate requests,
 * so the two cannot drift. Served at `GET /openapi.json`.
 */
export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const named = {
    App,
    Conversation,
    ConversationPage,
    CreateAppRequest,
    CreateConversationRequest,
    CreatedApp,
    CreatedIdentityKey,
    CreateIdentityKeyRequest,
    IdentityKeyList,
    MarkReadRequest,
    Message,
    MessagePage,
    RotateCredentialsRequest,
    RotatedCredential,
    SendMessageRequest,
    UpdateAppRequest,
    UpdateConversationRequest,
  };
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
  });
  for (const schema of Object.values(schemas)) {
    delete (schema as { $schema?: unknown }).$schema;
    delete (schema as { $id?: unknown }).$id;
  }

  const ref = (id: keyof typeof named) => ({ $ref: `#/components/schemas/${id}` });
  const json = (id: keyof typeof named) => ({ content: { 'application/json': { schema: ref(id) } } });
  const errors = (...codes: ErrorCode[]) => {
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
    return Object.fromEntries(
      [...byStatus].map(([status, list]) => [
        String(status),
        { description: list.join(' or '), content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      ]),
    );
  };
  const auth = ['MISSING_PARAMS', 'INVALID_CREDENTIALS'] as const;
  // The public API's callers: authenticated (a user or agent token may have expired), then rate limited
  // (per caller and per address, on by default).
  const caller = [...auth, 'TOKEN_EXPIRED', 'RATE_LIMITED'] as const;
  // Device credentials are three headers sent together (all three schemes in one requirement), plus a user token for
  // a signed-in user; agents a bearer token (the admin token or an agent token).
  const device = { appId: [], deviceId: [], apiKey: [] };
  const user = { ...device, userToken: [] };
  const clients = [device, user];
  const either = [...clients, { agent: [] }];
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  const appIdParam = { name: 'app_id', in: 'path', required: true, schema: { type: 'string' } };
  const kidParam = { name: 'kid', in: 'path', required: true, schema: { type: 'string' } };
  const operator = [{ operator: [] }];
  const operatorErrors = [...auth, 'NOT_FOUND'] as const;
  const limitParam = {
    name: 'limit',
    in: 'query',
    schema: { type: 'integer', minimum: 1, maximum: LIMITS.pageLimitMax, default: LIMITS.pageLimitDefault },
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard messages API',
      version,
      description:
        'Conversations, messages and read state for devices (X-App-Id, X-Device-Id, X-Api-Key), signed-in users (the same and X-User-Token) and agents (Bearer admin token or agent token).',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        appId: { type: 'apiKey', in: 'header', name: CREDENTIAL_HEADERS.appId, description: "A device's credentials, 1 of 3: the app's id." },
        deviceId: {
          type: 'apiKey',
          in: 'header',
          name: CREDENTIAL_HEADERS.deviceId,
          description: `A device's credentials, 2 of 3: the device's id, ${DEVICE_ID_PATTERN.source} (malformed: 400 VALIDATION_FAILED).`,
        },
        apiKey: { type: 'apiKey', in: 'header', name: CREDENTIAL_HEADERS.apiKey, description: "A device's credentials, 3 of 3: the app's API key." },
        userToken: {
          type: 'apiKey',
          in: 'header',
          name: CREDENTIAL_HEADERS.userToken,
          description:
            "A signed-in user's token, with the three device headers: a JWT the app's backend signs with an identity key (docs/identity.md). Refused: 401 INVALID_CREDENTIALS, or TOKEN_EXPIRED once expired; never ignored.",
        },
        agent: {
          type: 'http',
          scheme: 'bearer',
          description:
            "The app's admin token (sba.…), or an agent token (a JWT with role \"agent\" whose aud is the app). Never together with the device headers (400 VALIDATION_FAILED).",
        },
        operator: { type: 'http', scheme: 'bearer', description: 'OPERATOR_TOKEN.' },
      },
      schemas: {
        ...schemas,
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', enum: Object.keys(ERROR_STATUS) },
                message: { type: 'string' },
                fields: {
                  type: 'array',
                  items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
                },
              },
            },
          },
        },
      },
    },
    paths: {
      [REST_PATHS.apps]: {
        post: {
          operationId: 'createApp',
          security: operator,
          requestBody: { required: true, ...json('CreateAppRequest') },
          responses: { '201': { description: 'Created', ...json('CreatedApp') }, ...errors('VALIDATION_FAILED', ...auth, 'NOT_FOUND', 'PAYLOAD_TOO_LARGE') },
        },
      },
      [openApiPath(REST_PATHS.app)]: {
        patch: {
          operationId: 'updateApp',
          description: "Sets the app's identity policy: required refuses clients without a valid user token.",
          security: operator,
          parameters: [appIdParam],
          requestBody: { required: true, ...json('UpdateAppRequest') },
          responses: { '200': { description: 'The app', ...json('App') }, ...errors('VALIDATION_FAILED', ...operatorErrors) },
        },
      },
      [openApiPath(REST_PATHS.identityKeys)]: {
        post: {
          operationId: 'createIdentityKey',
          description: `HS256: a secret is generated and shown in this answer only. ES256: the app's public P-256 JWK. At most ${IDENTITY.maxKeysPerApp} keys per app (one more: 400).`,
          security: operator,
          parameters: [appIdParam],
          requestBody: { required: true, ...json('CreateIdentityKeyRequest') },
          responses: { '201': { description: 'Added', ...json('CreatedIdentityKey') }, ...errors('VALIDATION_FAILED', ...operatorErrors) },
        },
        get: {
          operationId: 'listIdentityKeys',
          security: operator,
          parameters: [appIdParam],
          responses: { '200': { description: 'The keys, never their secrets', ...json('IdentityKeyList') }, ...errors(...operatorErrors) },
        },
      },
      [openApiPath(REST_PATHS.identityKey)]: {
        delete: {
          operationId: 'deleteIdentityKey',
          description: 'Tokens the key signed stop working; sockets they opened are disconnected (app.credentials_revoked).',
          security: operator,
          parameters: [appIdParam, kidParam],
          responses: { '204': { description: 'Deleted' }, ...errors(...operatorErrors) },
        },
      },
      [openApiPath(REST_PATHS.rotateCredentials)]: {
        post: {
          operationId: 'rotateCredentials',
          description:
            'A new api key or admin token replaces the current one, which stays valid until previous_valid_until (grace_seconds, default 86400; 0 revokes it now). ' +
            'Only one previous credential is kept: one still valid from an earlier rotation ends now. Each credential that ends is announced as app.credentials_revoked on NATS.',
          security: operator,
          parameters: [appIdParam],
          requestBody: { required: true, ...json('RotateCredentialsRequest') },
          responses: {
            '201': { description: 'Rotated: the new credential (shown only here) and the end of the previous one', ...json('RotatedCredential') },
            ...errors('VALIDATION_FAILED', ...operatorErrors, 'PAYLOAD_TOO_LARGE'),
          },
        },
      },
      [REST_PATHS.conversations]: {
        post: {
          operationId: 'openConversation',
          security: clients,
          requestBody: { required: false, ...json('CreateConversationRequest') },
          responses: { '201': { description: 'Opened', ...json('Conversation') }, ...errors('VALIDATION_FAILED', ...caller, 'FORBIDDEN') },
        },
        get: {
          operationId: 'listConversations',
          security: either,
          description:
            'Newest activity first (a message moves its conversation up; a workflow change does not). The filters narrow it; pass the same filters with the cursor of the previous page.',
          parameters: [
            limitParam,
            { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'next_cursor of the previous page.' },
            { name: 'status', in: 'query', schema: { type: 'string', enum: ConversationStatus.options } },
            {
              name: 'assignee',
              in: 'query',
              schema: { type: 'string' },
              description: `An agent id (an agent token's sub), or "${WORKFLOW.unassigned}" for the conversations assigned to no one.`,
            },
            {
              name: 'unread',
              in: 'query',
              schema: { type: 'string', enum: ['true', 'false'] },
              description: "true: only those with messages from the other side after the caller's side's read marker; false: no filter.",
            },
          ],
          responses: { '200': { description: 'Newest activity first', ...json('ConversationPage') }, ...errors('VALIDATION_FAILED', ...caller) },
        },
      },
      [openApiPath(REST_PATHS.conversation)]: {
        get: {
          operationId: 'getConversation',
          security: either,
          parameters: [idParam],
          responses: { '200': { description: 'The conversation', ...json('Conversation') }, ...errors(...caller, 'NOT_FOUND') },
        },
        patch: {
          operationId: 'updateConversation',
          description:
            `An agent sets any of status, snoozed_until (needed with "snoozed"; alone it re-times a snoozed conversation; ` +
            `in the future, at most ${WORKFLOW.snoozeMaxSeconds} s ahead) and assignee_id (null unassigns). A client may only send { "status": "closed" } (else 403). ` +
            'Leaving "snoozed" clears snoozed_until. Each change is announced once as conversation:updated and conversation.updated; a request that changes nothing answers the conversation and announces nothing.',
          security: either,
          parameters: [idParam],
          requestBody: { required: true, ...json('UpdateConversationRequest') },
          responses: {
            '200': { description: 'The conversation after the change', ...json('Conversation') },
            ...errors('VALIDATION_FAILED', ...caller, 'FORBIDDEN', 'NOT_FOUND', 'PAYLOAD_TOO_LARGE'),
          },
        },
      },
      [openApiPath(REST_PATHS.messages)]: {
        post: {
          operationId: 'sendMessage',
          security: either,
          parameters: [idParam],
          requestBody: { required: true, ...json('SendMessageRequest') },
          responses: {
            '201': { description: 'Stored', ...json('Message') },
            '200': { description: 'This local_id was sent before: the first message, unchanged', ...json('Message') },
            ...errors('VALIDATION_FAILED', ...caller, 'NOT_FOUND', 'PAYLOAD_TOO_LARGE'),
          },
        },
        get: {
          operationId: 'listMessages',
          security: either,
          parameters: [
            idParam,
            limitParam,
            { name: 'after', in: 'query', schema: { type: 'string' }, description: 'Messages strictly after this message id.' },
            { name: 'before', in: 'query', schema: { type: 'string' }, description: 'The limit messages just before this message id.' },
          ],
          responses: { '200': { description: 'Ascending seq', ...json('MessagePage') }, ...errors('VALIDATION_FAILED', ...caller, 'NOT_FOUND') },
        },
      },
      [openApiPath(REST_PATHS.read)]: {
        post: {
          operationId: 'markRead',
          security: either,
          parameters: [idParam],
          requestBody: { required: true, ...json('MarkReadRequest') },
          responses: { '204': { description: 'Read marker moved forward (or already past)' }, ...errors('VALIDATION_FAILED', ...caller, 'NOT_FOUND') },
        },
      },
    },
  };
}
