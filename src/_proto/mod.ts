/**
 * The Workload API wire contract, private to spiffe-ts: the codec generated from
 * `proto/workload.proto` (`deno task proto`), the gRPC method descriptors shared by the
 * client and the dev agent, and `google.protobuf.Struct` conversions.
 *
 * The codec needs only `protobufjs/minimal` at run time.
 *
 * @module
 */

export {
  google,
  JWTBundlesRequest,
  JWTBundlesResponse,
  JWTSVID,
  JWTSVIDRequest,
  JWTSVIDResponse,
  ValidateJWTSVIDRequest,
  ValidateJWTSVIDResponse,
  X509BundlesRequest,
  X509BundlesResponse,
  X509SVID,
  X509SVIDRequest,
  X509SVIDResponse,
} from "./workload.js";
export {
  type FetchJwtBundlesMethod,
  type FetchJwtSvidMethod,
  type FetchX509BundlesMethod,
  type FetchX509SvidMethod,
  SECURITY_HEADER_KEY,
  SECURITY_HEADER_VALUE,
  SERVICE_NAME,
  SPIFFE_WORKLOAD_API,
  type SpiffeWorkloadApiService,
  type ValidateJwtSvidMethod,
  type WorkloadApiMethod,
} from "./methods.ts";
export { type JsonObject, type JsonValue, objectToStruct, structToObject } from "./struct.ts";
