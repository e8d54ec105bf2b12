/** The key algorithms the devagent's CA can use for its authorities and SVIDs. */
export type KeyType = "ec-p256" | "ec-p384" | "rsa-2048";

/** WebCrypto parameters to generate a signing key pair of `type`. */
export function keyGenParams(type: KeyType): EcKeyGenParams | RsaHashedKeyGenParams {
  switch (type) {
    case "ec-p256":
      return { name: "ECDSA", namedCurve: "P-256" };
    case "ec-p384":
      return { name: "ECDSA", namedCurve: "P-384" };
    case "rsa-2048":
      return {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      };
    default:
      throw new RangeError(`unsupported key type ${JSON.stringify(type)}`);
  }
}

/** The WebCrypto signature algorithm for certificates signed by a key of `type`. */
export function signatureParams(type: KeyType): Algorithm | EcdsaParams {
  switch (type) {
    case "ec-p256":
      return { name: "ECDSA", hash: "SHA-256" } as EcdsaParams;
    case "ec-p384":
      return { name: "ECDSA", hash: "SHA-384" } as EcdsaParams;
    case "rsa-2048":
      return { name: "RSASSA-PKCS1-v1_5" };
  }
}
