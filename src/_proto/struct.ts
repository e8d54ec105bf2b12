/**
 * Conversions between `google.protobuf.Struct` (how `ValidateJWTSVIDResponse.claims`
 * travels) and plain JSON-like JavaScript objects, with the semantics of Go's
 * `structpb` (`AsMap` / `NewStruct`).
 *
 * @module
 */

import type { google } from "./workload.js";

/** A value a `google.protobuf.Value` can hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** An object a `google.protobuf.Struct` can hold. */
export interface JsonObject {
  /** A member. */
  [key: string]: JsonValue;
}

type StructProps = google.protobuf.Struct.$Properties;
type ValueProps = google.protobuf.Value.$Properties;
type ListValueProps = google.protobuf.ListValue.$Properties;

/** `google.protobuf.NullValue.NULL_VALUE`. */
const NULL_VALUE = 0;

/** Sets an own, enumerable property, even for the key `__proto__`. */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/**
 * Converts a `google.protobuf.Struct` (decoded message or plain object) to a plain object.
 *
 * Like Go's `structpb.Struct.AsMap`: a missing struct gives `{}`, a `Value` with no kind
 * set gives `null`, `NULL_VALUE` gives `null`, and numbers stay JavaScript numbers.
 *
 * @param struct The struct, e.g. `ValidateJWTSVIDResponse.claims`.
 * @returns A fresh plain object.
 */
export function structToObject(struct: StructProps | null | undefined): JsonObject {
  const out: JsonObject = {};
  const fields = struct?.fields;
  if (fields) {
    for (const key of Object.keys(fields)) setOwn(out, key, valueToJs(fields[key]));
  }
  return out;
}

function listToArray(list: ListValueProps | null | undefined): JsonValue[] {
  return (list?.values ?? []).map(valueToJs);
}

function valueToJs(value: ValueProps | null | undefined): JsonValue {
  if (value == null) return null;
  if (value.nullValue != null) return null;
  if (value.numberValue != null) return value.numberValue;
  if (value.stringValue != null) return value.stringValue;
  if (value.boolValue != null) return value.boolValue;
  if (value.structValue != null) return structToObject(value.structValue);
  if (value.listValue != null) return listToArray(value.listValue);
  return null;
}

/**
 * Converts a plain object to a `google.protobuf.Struct` (as plain properties that the
 * generated codec encodes).
 *
 * Like Go's `structpb.NewStruct`: `null` becomes `NULL_VALUE`, arrays become
 * `ListValue`s and nested plain objects `Struct`s.
 *
 * @param object A JSON-like object: only `null`, booleans, numbers, strings, arrays and
 *   plain objects inside.
 * @returns The struct's properties.
 * @throws {TypeError} On any other value (`undefined`, bigint, functions, class instances
 *   such as `Date`) or a cyclic structure; the message names the offending path.
 */
export function objectToStruct(object: Readonly<Record<string, unknown>>): StructProps {
  if (!isPlainObject(object)) {
    throw new TypeError(`invalid Struct value at $: ${describe(object)}`);
  }
  return toStruct(object, "$", new Set());
}

function toStruct(object: object, path: string, ancestors: Set<object>): StructProps {
  if (ancestors.has(object)) throw new TypeError(`invalid Struct value at ${path}: cycle`);
  ancestors.add(object);
  const fields: Record<string, ValueProps> = {};
  for (const [key, value] of Object.entries(object)) {
    setOwn(fields, key, toValue(value, `${path}.${key}`, ancestors));
  }
  ancestors.delete(object);
  return { fields };
}

function toValue(value: unknown, path: string, ancestors: Set<object>): ValueProps {
  switch (typeof value) {
    case "boolean":
      return { boolValue: value };
    case "number":
      return { numberValue: value };
    case "string":
      return { stringValue: value };
  }
  if (value === null) return { nullValue: NULL_VALUE };
  if (Array.isArray(value)) {
    if (ancestors.has(value)) throw new TypeError(`invalid Struct value at ${path}: cycle`);
    ancestors.add(value);
    const values = value.map((item, i) => toValue(item, `${path}[${i}]`, ancestors));
    ancestors.delete(value);
    return { listValue: { values } };
  }
  if (isPlainObject(value)) return { structValue: toStruct(value, path, ancestors) };
  throw new TypeError(`invalid Struct value at ${path}: ${describe(value)}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return Object.getPrototypeOf(value)?.constructor?.name ?? "object";
}
