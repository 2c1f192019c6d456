// A structural check of the JSON Schemas a session's tools declare, before any provider sees them: the keywords
// the three providers read must have the types JSON Schema gives them, so a typo ("type": "strin", "required":
// "city") is refused here with where it is, not by a provider mid-turn as a 400. Not a validator of data
// against the schema (nothing here runs a tool); no dependency, bounded depth.

/** Deeper than any real tool's parameters; a hostile file cannot recurse without end. */
const MAX_DEPTH = 32;

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
/** Keywords whose value is one schema. */
const SCHEMA_KEYS = ['items', 'not', 'additionalItems', 'contains', 'propertyNames', 'if', 'then', 'else'];
/** Keywords whose value is a list of schemas. */
const SCHEMA_LIST_KEYS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
/** Keywords whose value is an object of schemas. */
const SCHEMA_MAP_KEYS = ['properties', 'patternProperties', '$defs', 'definitions'];
const STRING_KEYS = ['title', 'description', 'format', 'pattern', '$ref', '$schema', '$id'];
const COUNT_KEYS = ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'];
const NUMBER_KEYS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const at = (path: string, key: string | number) =>
  typeof key === 'number'
    ? `${path}[${key}]`
    : /^[A-Za-z_$][\w$]*$/.test(key)
      ? `${path}.${key}`
      : `${path}[${JSON.stringify(key)}]`;

/**
 * The first problem of `schema` as a tool's parameters (an object schema, as all three providers require), as
 * "<path>: <what is wrong>", or undefined when it is sound.
 */
export function toolSchemaProblem(schema: unknown, path = 'parameters'): string | undefined {
  if (!isObject(schema)) return `${path}: expected a JSON Schema object`;
  if (schema['type'] !== 'object')
    return `${path}.type: a tool's parameters must be an object schema ("type": "object"), not ${JSON.stringify(schema['type']) ?? 'missing'}`;
  return schemaProblem(schema, path, 0);
}

function schemaProblem(schema: unknown, path: string, depth: number): string | undefined {
  if (typeof schema === 'boolean') return undefined;
  if (!isObject(schema)) return `${path}: expected a JSON Schema (an object)`;
  if (depth > MAX_DEPTH) return `${path}: nested deeper than ${MAX_DEPTH} levels`;
  const type = schema['type'];
  if (type !== undefined) {
    const types = Array.isArray(type) ? type : [type];
    const bad = types.find((t) => typeof t !== 'string' || !TYPES.has(t));
    if (bad !== undefined || types.length === 0)
      return `${at(path, 'type')}: ${JSON.stringify(bad) ?? '[]'} is not a JSON Schema type (use ${[...TYPES].join(', ')})`;
  }
  for (const key of STRING_KEYS)
    if (key in schema && typeof schema[key] !== 'string') return `${at(path, key)}: expected text`;
  for (const key of COUNT_KEYS) {
    const v = schema[key];
    if (key in schema && !(Number.isInteger(v) && (v as number) >= 0))
      return `${at(path, key)}: expected a whole number ≥ 0`;
  }
  for (const key of NUMBER_KEYS)
    if (key in schema && (typeof schema[key] !== 'number' || !Number.isFinite(schema[key])))
      return `${at(path, key)}: expected a number`;
  if ('required' in schema) {
    const required = schema['required'];
    if (!Array.isArray(required) || required.some((r) => typeof r !== 'string'))
      return `${at(path, 'required')}: expected a list of property names`;
  }
  if ('enum' in schema && !Array.isArray(schema['enum'])) return `${at(path, 'enum')}: expected a list of values`;
  const additional = schema['additionalProperties'];
  if (additional !== undefined) {
    const problem = schemaProblem(additional, at(path, 'additionalProperties'), depth + 1);
    if (problem) return problem;
  }
  for (const key of SCHEMA_KEYS) {
    if (!(key in schema)) continue;
    // Draft 4–7 allowed "items" to be a list of schemas.
    const list = key === 'items' && Array.isArray(schema[key]) ? (schema[key] as unknown[]) : [schema[key]];
    for (const [i, item] of list.entries()) {
      const problem = schemaProblem(
        item,
        list.length > 1 || Array.isArray(schema[key]) ? at(at(path, key), i) : at(path, key),
        depth + 1,
      );
      if (problem) return problem;
    }
  }
  for (const key of SCHEMA_LIST_KEYS) {
    if (!(key in schema)) continue;
    const list = schema[key];
    if (!Array.isArray(list)) return `${at(path, key)}: expected a list of schemas`;
    for (const [i, item] of list.entries()) {
      const problem = schemaProblem(item, at(at(path, key), i), depth + 1);
      if (problem) return problem;
    }
  }
  for (const key of SCHEMA_MAP_KEYS) {
    if (!(key in schema)) continue;
    const map = schema[key];
    if (!isObject(map)) return `${at(path, key)}: expected an object of schemas`;
    for (const [name, item] of Object.entries(map)) {
      const problem = schemaProblem(item, at(at(path, key), name), depth + 1);
      if (problem) return problem;
    }
  }
  return undefined;
}
