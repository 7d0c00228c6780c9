// The snapshot as text (Vite's ?raw), parsed here: this file is for tests only, never bundled.
import openApiText from "../../openapi.json?raw";

/**
 * Compares the client's zod/mini schemas (and the bodies it sends) with the server's OpenAPI
 * snapshot, frontend/openapi.json. Every function returns a list of problems, each a sentence
 * that starts with the place it is about ("Recommendation.tip_size.size: ..."), so a test can
 * show them all at once.
 */

/** The part of an OpenAPI 3 schema object this check reads. */
export interface OpenApiSchema {
  $ref?: string;
  allOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  type?: string;
  format?: string;
  enum?: unknown[];
  nullable?: boolean;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  additionalProperties?: OpenApiSchema | boolean;
  items?: OpenApiSchema;
}

interface MediaType {
  schema?: OpenApiSchema;
}

export interface Operation {
  operationId: string;
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType> }>;
}

export interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, OpenApiSchema> };
}

export function loadOpenApi(): OpenApi {
  return JSON.parse(openApiText) as OpenApi;
}

const NULL_ENUM = "#/components/schemas/NullEnum";

/**
 * `$ref`s followed and `allOf` merged (drf-spectacular wraps a read-only `$ref` in `allOf`); a
 * nullable enum, which drf-spectacular writes as `oneOf: [<enum>, NullEnum]`, becomes the enum.
 */
export function resolve(api: OpenApi, schema: OpenApiSchema): OpenApiSchema {
  if (schema.oneOf) {
    const { oneOf, ...rest } = schema;
    const options = oneOf.filter((option) => option.$ref !== NULL_ENUM);
    if (options.length !== 1) throw new Error(`oneOf with ${options.length} non-null options is not supported`);
    const nullable = rest.nullable || options.length < oneOf.length;
    return resolve(api, { ...rest, ...options[0], nullable });
  }
  if (schema.$ref) {
    const target = api.components.schemas[schema.$ref.replace("#/components/schemas/", "")];
    if (!target) throw new Error(`unknown $ref ${schema.$ref}`);
    return resolve(api, { ...target, nullable: schema.nullable ?? target.nullable });
  }
  if (schema.allOf) {
    const { allOf, ...rest } = schema;
    return allOf.map((part) => resolve(api, part)).reduce<OpenApiSchema>(
      (merged, part) => ({
        ...merged,
        ...part,
        properties: { ...merged.properties, ...part.properties },
        required: [...(merged.required ?? []), ...(part.required ?? [])],
      }),
      rest,
    );
  }
  return schema;
}

/** The operation for a request the client made, found by matching the path templates. */
export function findOperation(api: OpenApi, method: string, path: string): Operation | undefined {
  for (const [template, operations] of Object.entries(api.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (pattern.test(path)) return operations[method.toLowerCase()];
  }
  return undefined;
}

// --- zod/mini introspection -------------------------------------------------------------------

/** What zod 4 keeps in `schema._zod.def`, as far as this check needs it. */
interface ZodDef {
  type: string;
  shape?: Record<string, ZodLike>;
  innerType?: ZodLike;
  element?: ZodLike;
  valueType?: ZodLike;
  entries?: Record<string, unknown>;
  values?: unknown[];
  format?: string;
}

export interface ZodLike {
  _zod: { def: ZodDef };
}

/** Strips optional/default/nullable wrappers and says which were there. */
function unwrap(schema: ZodLike): { inner: ZodDef; optional: boolean; nullable: boolean } {
  let def = schema._zod.def;
  let optional = false;
  let nullable = false;
  for (;;) {
    if (def.type === "optional" || def.type === "default") optional = true;
    else if (def.type === "nullable") nullable = true;
    else return { inner: def, optional, nullable };
    def = def.innerType!._zod.def;
  }
}

/** A closed set of values the client accepts (z.enum, z.literal), or null for an open type. */
export function closedValues(schema: ZodLike): unknown[] | null {
  const { inner } = unwrap(schema);
  if (inner.type === "enum") return Object.values(inner.entries!);
  if (inner.type === "literal") return inner.values!;
  return null;
}

const SERVER_TYPES: Record<string, string[]> = {
  string: ["string"],
  number: ["number", "integer"],
  boolean: ["boolean"],
  enum: ["string", "integer"],
  literal: ["string", "integer", "number", "boolean"],
};

/**
 * Problems in reading the server's `server` schema with the client's `client` schema: a property
 * the server does not have, one the client requires that the server may leave out, a null the
 * client rejects, an enum value only one side knows, a type that does not fit.
 */
export function compareResponse(
  api: OpenApi,
  client: ZodLike,
  serverSchema: OpenApiSchema,
  where: string,
): string[] {
  const server = resolve(api, serverSchema);
  const { inner } = unwrap(client);
  const problems: string[] = [];
  if (server.nullable && !unwrap(client).nullable) problems.push(`${where}: the server may send null, the client rejects it`);

  const values = closedValues(client);
  if (values) {
    if (!server.enum) return [...problems, `${where}: the client accepts only ${JSON.stringify(values)}, the server's schema allows any ${server.type}`];
    const onlyServer = server.enum.filter((value) => value !== null && !values.includes(value));
    const onlyClient = values.filter((value) => !server.enum!.includes(value));
    if (onlyServer.length) problems.push(`${where}: the server may send ${JSON.stringify(onlyServer)}, which the client rejects`);
    if (onlyClient.length) problems.push(`${where}: the client accepts ${JSON.stringify(onlyClient)}, which the server never sends`);
    return problems;
  }

  switch (inner.type) {
    case "object": {
      if (server.type !== "object" || !server.properties) return [...problems, `${where}: the client expects an object with properties`];
      for (const [key, property] of Object.entries(inner.shape!)) {
        const at = `${where}.${key}`;
        const serverProperty = server.properties[key];
        if (!serverProperty) {
          problems.push(`${at}: the client reads it, the server's schema has no such property`);
          continue;
        }
        if (!unwrap(property).optional && !server.required?.includes(key)) problems.push(`${at}: the client requires it, the server's schema may leave it out`);
        problems.push(...compareResponse(api, property, serverProperty, at));
      }
      return problems;
    }
    case "record": {
      const values = server.additionalProperties;
      if (server.type !== "object" || values === undefined || values === false) return [...problems, `${where}: the client expects a map`];
      if (values === true || Object.keys(values).length === 0) return problems;
      return [...problems, ...compareResponse(api, inner.valueType!, values, `${where}.*`)];
    }
    case "array":
      if (server.type !== "array" || !server.items) return [...problems, `${where}: the client expects an array`];
      return [...problems, ...compareResponse(api, inner.element!, server.items, `${where}[]`)];
    case "unknown":
    case "any":
      return problems;
    default: {
      const allowed = inner.type === "number" && inner.format?.includes("int") ? ["integer"] : SERVER_TYPES[inner.type];
      if (!allowed) return [...problems, `${where}: the check does not know zod type "${inner.type}"`];
      if (!server.type || !allowed.includes(server.type)) problems.push(`${where}: the client expects ${inner.type}, the server sends ${server.type}`);
      return problems;
    }
  }
}

// --- request bodies ------------------------------------------------------------------------------

const JS_TYPES: Record<string, (value: unknown) => boolean> = {
  string: (value) => typeof value === "string" || value instanceof Blob,
  integer: (value) => Number.isInteger(value),
  number: (value) => typeof value === "number",
  boolean: (value) => typeof value === "boolean",
  array: Array.isArray,
  object: (value) => typeof value === "object" && value !== null && !Array.isArray(value),
};

/**
 * Problems with a body the client actually sent, checked against the server's request schema:
 * names the server does not know, required names missing, values outside an enum, wrong types.
 */
export function checkBody(api: OpenApi, value: unknown, serverSchema: OpenApiSchema, where: string): string[] {
  const server = resolve(api, serverSchema);
  if (value === null) return server.nullable ? [] : [`${where}: the client sends null, the server does not accept it`];
  if (server.enum && !server.enum.includes(value)) return [`${where}: the client sends ${JSON.stringify(value)}, the server accepts ${JSON.stringify(server.enum)}`];
  if (server.type && !JS_TYPES[server.type]?.(value)) return [`${where}: the client sends ${JSON.stringify(value)}, the server wants ${server.type}`];
  if (server.format === "binary" && !(value instanceof Blob)) return [`${where}: the server wants a file`];
  const problems: string[] = [];
  if (Array.isArray(value) && server.items) {
    value.forEach((item, index) => problems.push(...checkBody(api, item, server.items!, `${where}[${index}]`)));
  } else if (server.type === "object" && server.properties) {
    const body = value as Record<string, unknown>;
    for (const key of server.required ?? []) if (!(key in body)) problems.push(`${where}.${key}: the server requires it, the client does not send it`);
    for (const [key, item] of Object.entries(body)) {
      const property = server.properties[key];
      if (property) problems.push(...checkBody(api, item, property, `${where}.${key}`));
      else if (!server.additionalProperties) problems.push(`${where}.${key}: the client sends it, the server's schema has no such field`);
    }
  }
  return problems;
}
