import { ReferenceObject, SchemaObject, getSchemaPath } from '@nestjs/swagger';
import {
  BRANCH_VIEW,
  EVENT_VIEW,
  FieldSchema,
  PARTICIPANT_LIST,
  PARTICIPANT_VIEW,
  PROBLEM_DETAILS,
  TRANSACTION_PAGE,
  TRANSACTION_SUMMARY,
  TRANSACTION_VIEW,
} from '@app/protocol';

// The answers' schemas come from the wire schemas of @app/protocol, the same
// values the wire types are derived from; this file only names them.

/** The component name of each wire schema the document refers to by name. */
const COMPONENT_NAMES = new Map<FieldSchema, string>([
  [PROBLEM_DETAILS, 'ProblemDoc'],
  [BRANCH_VIEW, 'BranchViewDoc'],
  [EVENT_VIEW, 'EventViewDoc'],
  [TRANSACTION_VIEW, 'TransactionViewDoc'],
  [TRANSACTION_SUMMARY, 'TransactionSummaryDoc'],
  [TRANSACTION_PAGE, 'TransactionPageDoc'],
  [PARTICIPANT_VIEW, 'ParticipantViewDoc'],
  [PARTICIPANT_LIST, 'ParticipantListDoc'],
]);

/** A `$ref` to the component of a named wire schema. */
export function wireRef(schema: FieldSchema): ReferenceObject {
  const name = COMPONENT_NAMES.get(schema);
  if (name === undefined) throw new Error('This wire schema has no component name');
  return { $ref: getSchemaPath(name) };
}

/** The OpenAPI schema of a field: a `$ref` when it is a named wire schema. */
function fieldSchema(schema: FieldSchema): SchemaObject | ReferenceObject {
  return COMPONENT_NAMES.has(schema) ? wireRef(schema) : openApiSchema(schema);
}

function openApiSchema(schema: FieldSchema): SchemaObject {
  if (schema.type === 'array') return { ...schema, items: fieldSchema(schema.items) };
  if (schema.type === 'string') {
    const { enum: values, ...rest } = schema;
    return values ? { ...rest, enum: [...values] } : rest;
  }
  if (!('properties' in schema)) return { ...schema };
  const { properties, optional = [], ...rest } = schema;
  const names = Object.keys(properties);
  return {
    ...rest,
    properties: Object.fromEntries(names.map((name) => [name, fieldSchema(properties[name])])),
    required: names.filter((name) => !optional.includes(name)),
  };
}

/** Every named wire schema as a component of the document. */
export function wireComponents(): Record<string, SchemaObject> {
  return Object.fromEntries(
    [...COMPONENT_NAMES].map(([schema, name]) => [name, openApiSchema(schema)]),
  );
}
