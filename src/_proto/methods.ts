/**
 * The SPIFFE Workload API as gRPC sees it: for each of the five RPCs its HTTP/2 path,
 * whether the server streams, and the (de)serializers, in the shape that
 * `@grpc/grpc-js` expects from a `MethodDefinition` (so {@linkcode SPIFFE_WORKLOAD_API}
 * can be handed to `server.addService` as is, and each method's fields to
 * `client.makeServerStreamRequest` / `client.makeUnaryRequest`).
 *
 * Both the client and the embedded dev agent use this one description, so they cannot
 * drift apart. The codec itself is generated from `proto/workload.proto`
 * (`deno task proto`).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import {
  JWTBundlesRequest,
  JWTBundlesResponse,
  JWTSVIDRequest,
  JWTSVIDResponse,
  ValidateJWTSVIDRequest,
  ValidateJWTSVIDResponse,
  X509BundlesRequest,
  X509BundlesResponse,
  X509SVIDRequest,
  X509SVIDResponse,
} from "./workload.js";

/** The gRPC service name; the proto declares no package (SPIFFE-RULES WL-10). */
export const SERVICE_NAME = "SpiffeWorkloadAPI";

/** The gRPC metadata key that every Workload API request must carry (WL-08). */
export const SECURITY_HEADER_KEY = "workload.spiffe.io";

/** The only accepted value of {@linkcode SECURITY_HEADER_KEY} (case-sensitive). */
export const SECURITY_HEADER_VALUE = "true";

/**
 * One RPC of the Workload API, shaped like `@grpc/grpc-js`'s `MethodDefinition`.
 *
 * Serializers accept plain objects (the generated `$Properties` types) and return a
 * `Buffer` (grpc-js frames messages with `Buffer#copy`); deserializers accept any
 * `Uint8Array` and return the generated message class, whose unset fields read as
 * their proto3 defaults.
 *
 * @typeParam ReqProps What the request serializer accepts.
 * @typeParam Req What the request deserializer returns.
 * @typeParam ResProps What the response serializer accepts.
 * @typeParam Res What the response deserializer returns.
 * @typeParam Streaming Whether the server streams responses.
 */
export interface WorkloadApiMethod<ReqProps, Req, ResProps, Res, Streaming extends boolean> {
  /**
   * The proto method name, e.g. `FetchX509SVID`. (Not `name`: grpc-js's
   * `makeClientConstructor` copies these fields onto functions, whose `name` is read-only.)
   */
  readonly methodName: string;
  /** The HTTP/2 path, `/SpiffeWorkloadAPI/<methodName>`. */
  readonly path: string;
  /** Always `false`: no Workload API RPC streams requests. */
  readonly requestStream: false;
  /** `true` for the server-streaming RPCs, `false` for the unary ones. */
  readonly responseStream: Streaming;
  /** Encodes a request (client side). */
  readonly requestSerialize: (message: ReqProps) => Buffer;
  /** Decodes a request (server side). */
  readonly requestDeserialize: (bytes: Uint8Array) => Req;
  /** Encodes a response (server side). */
  readonly responseSerialize: (message: ResProps) => Buffer;
  /** Decodes a response (client side). */
  readonly responseDeserialize: (bytes: Uint8Array) => Res;
}

/** `FetchX509SVID`: server-streaming. */
export type FetchX509SvidMethod = WorkloadApiMethod<
  X509SVIDRequest.$Properties,
  X509SVIDRequest,
  X509SVIDResponse.$Properties,
  X509SVIDResponse,
  true
>;

/** `FetchX509Bundles`: server-streaming. */
export type FetchX509BundlesMethod = WorkloadApiMethod<
  X509BundlesRequest.$Properties,
  X509BundlesRequest,
  X509BundlesResponse.$Properties,
  X509BundlesResponse,
  true
>;

/** `FetchJWTSVID`: unary. */
export type FetchJwtSvidMethod = WorkloadApiMethod<
  JWTSVIDRequest.$Properties,
  JWTSVIDRequest,
  JWTSVIDResponse.$Properties,
  JWTSVIDResponse,
  false
>;

/** `FetchJWTBundles`: server-streaming. */
export type FetchJwtBundlesMethod = WorkloadApiMethod<
  JWTBundlesRequest.$Properties,
  JWTBundlesRequest,
  JWTBundlesResponse.$Properties,
  JWTBundlesResponse,
  true
>;

/** `ValidateJWTSVID`: unary. */
export type ValidateJwtSvidMethod = WorkloadApiMethod<
  ValidateJWTSVIDRequest.$Properties,
  ValidateJWTSVIDRequest,
  ValidateJWTSVIDResponse.$Properties,
  ValidateJWTSVIDResponse,
  false
>;

/**
 * The whole service, keyed by proto method name. A type alias rather than an interface so
 * that it is assignable to grpc-js's index-signature `ServiceDefinition` without a cast.
 */
export type SpiffeWorkloadApiService = {
  /** See {@linkcode FetchX509SvidMethod}. */
  readonly FetchX509SVID: FetchX509SvidMethod;
  /** See {@linkcode FetchX509BundlesMethod}. */
  readonly FetchX509Bundles: FetchX509BundlesMethod;
  /** See {@linkcode FetchJwtSvidMethod}. */
  readonly FetchJWTSVID: FetchJwtSvidMethod;
  /** See {@linkcode FetchJwtBundlesMethod}. */
  readonly FetchJWTBundles: FetchJwtBundlesMethod;
  /** See {@linkcode ValidateJwtSvidMethod}. */
  readonly ValidateJWTSVID: ValidateJwtSvidMethod;
};

/** What a generated message class offers for (de)serialization. */
interface Codec<Props, Msg> {
  encode(message: Props): { finish(): Uint8Array };
  decode(bytes: Uint8Array): Msg;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

function method<ReqProps, Req, ResProps, Res, Streaming extends boolean>(
  methodName: string,
  responseStream: Streaming,
  request: Codec<ReqProps, Req>,
  response: Codec<ResProps, Res>,
): WorkloadApiMethod<ReqProps, Req, ResProps, Res, Streaming> {
  return Object.freeze({
    methodName,
    path: `/${SERVICE_NAME}/${methodName}`,
    requestStream: false,
    responseStream,
    requestSerialize: (message: ReqProps) => toBuffer(request.encode(message).finish()),
    requestDeserialize: (bytes: Uint8Array) => request.decode(bytes),
    responseSerialize: (message: ResProps) => toBuffer(response.encode(message).finish()),
    responseDeserialize: (bytes: Uint8Array) => response.decode(bytes),
  });
}

/**
 * The five RPCs of the SPIFFE Workload API, keyed by proto method name.
 *
 * @example Calling FetchX509SVID with grpc-js (client side)
 * ```ts ignore
 * const m = SPIFFE_WORKLOAD_API.FetchX509SVID;
 * const metadata = new Metadata();
 * metadata.set(SECURITY_HEADER_KEY, SECURITY_HEADER_VALUE);
 * const call = client.makeServerStreamRequest(
 *   m.path, m.requestSerialize, m.responseDeserialize, {}, metadata, {},
 * );
 * ```
 *
 * @example Serving it with grpc-js (server side)
 * ```ts ignore
 * server.addService(SPIFFE_WORKLOAD_API, { FetchX509SVID(call) {...}, ... });
 * ```
 */
export const SPIFFE_WORKLOAD_API: SpiffeWorkloadApiService = Object.freeze({
  FetchX509SVID: method("FetchX509SVID", true, X509SVIDRequest, X509SVIDResponse),
  FetchX509Bundles: method("FetchX509Bundles", true, X509BundlesRequest, X509BundlesResponse),
  FetchJWTSVID: method("FetchJWTSVID", false, JWTSVIDRequest, JWTSVIDResponse),
  FetchJWTBundles: method("FetchJWTBundles", true, JWTBundlesRequest, JWTBundlesResponse),
  ValidateJWTSVID: method(
    "ValidateJWTSVID",
    false,
    ValidateJWTSVIDRequest,
    ValidateJWTSVIDResponse,
  ),
});
