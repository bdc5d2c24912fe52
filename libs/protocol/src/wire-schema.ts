/**
 * The vocabulary the wire types are written in: a subset of OpenAPI 3.0
 * schemas, plain values, from which both the TypeScript type
 * ({@link WireType}) and the coordinator's OpenAPI document come, so the two
 * cannot drift apart.
 */

interface Documented {
  description?: string;
  example?: unknown;
}

/** A string field; `enum` narrows its type to those values. */
export interface StringField extends Documented {
  type: 'string';
  format?: string;
  enum?: readonly string[];
  nullable?: boolean;
}

/** A number field. */
export interface NumberField extends Documented {
  type: 'integer' | 'number';
  nullable?: boolean;
}

/** A boolean field. */
export interface BooleanField extends Documented {
  type: 'boolean';
}

/** A JSON object whose members the protocol does not fix (a branch payload, an event's detail). */
export interface JsonObjectField extends Documented {
  type: 'object';
  additionalProperties: true;
  nullable?: boolean;
}

/** A list. */
export interface ArrayField extends Documented {
  type: 'array';
  items: FieldSchema;
}

/** An object with fixed members, every one required unless named in `optional`. */
export interface ObjectSchema extends Documented {
  type: 'object';
  properties: Readonly<Record<string, FieldSchema>>;
  optional?: readonly string[];
}

/** Any schema a wire field may have. */
export type FieldSchema =
  StringField | NumberField | BooleanField | JsonObjectField | ArrayField | ObjectSchema;

type OrNull<S, T> = S extends { nullable: true } ? T | null : T;
type OptionalKeys<S extends ObjectSchema> = S extends { optional: readonly (infer K)[] }
  ? K & keyof S['properties']
  : never;
type Flat<T> = { [K in keyof T]: T[K] } & {};

/** The TypeScript type of the values a schema describes. */
export type WireType<S> = S extends ObjectSchema
  ? Flat<
      {
        -readonly [K in Exclude<keyof S['properties'], OptionalKeys<S>>]: WireType<
          S['properties'][K]
        >;
      } & { -readonly [K in OptionalKeys<S>]?: WireType<S['properties'][K]> }
    >
  : S extends ArrayField
    ? WireType<S['items']>[]
    : S extends StringField
      ? OrNull<S, S extends { enum: readonly string[] } ? S['enum'][number] : string>
      : S extends NumberField
        ? OrNull<S, number>
        : S extends BooleanField
          ? boolean
          : S extends JsonObjectField
            ? OrNull<S, Record<string, unknown>>
            : never;
