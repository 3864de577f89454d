// The public shape of API keys.
import { type Static, Type } from 'typebox'
import { Id, Nullable, ref, shareSchema, StringEnum, Timestamp } from '../http/schemas.js'

export const KeyRole = StringEnum(['admin', 'editor', 'moderator'])

export const ApiKey = shareSchema(
  'ApiKey',
  Type.Object({
    id: Id,
    name: Type.String(),
    role: KeyRole,
    createdAt: Timestamp,
  }),
)
export type ApiKey = Static<typeof ApiKey>

export const ApiKeyWithToken = shareSchema(
  'ApiKeyWithToken',
  Type.Object({
    id: Id,
    name: Type.String(),
    role: KeyRole,
    token: Type.String({ description: 'The secret, shown only in this response: store it now.' }),
    createdAt: Timestamp,
  }),
)
export type ApiKeyWithToken = Static<typeof ApiKeyWithToken>

export const ApiKeyCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: KeyRole,
  },
  { additionalProperties: false },
)
export type ApiKeyCreate = Static<typeof ApiKeyCreate>

export const ApiKeyList = Type.Object({ data: Type.Array(ref(ApiKey)), nextCursor: Nullable(Type.String()) })
