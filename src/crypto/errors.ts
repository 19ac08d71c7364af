// Typed errors of the crypto core. Messages never carry plaintext, identities or key material: they are safe to log
// and to map onto problem+json responses (`code` is stable, `message` is for humans).

export class AnxinCryptoError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A value that JSON (RFC 8785) cannot represent: undefined, NaN, Infinity, bigint, functions, class instances… */
export class NonJsonValue extends AnxinCryptoError {
  constructor(message: string) { super("NON_JSON_VALUE", message); }
}

/** Malformed base64 / hex / UTF-8 input. */
export class InvalidEncoding extends AnxinCryptoError {
  constructor(message: string) { super("INVALID_ENCODING", message); }
}

/** The envelope does not match format anxin.record.v1 (field missing, extra field, bad format, too large). */
export class MalformedEnvelope extends AnxinCryptoError {
  constructor(message: string) { super("MALFORMED_ENVELOPE", message); }
}

/** The envelope has no `keys` entry for the requested recipient. */
export class NoKeyForRecipient extends AnxinCryptoError {
  constructor() { super("NO_KEY_FOR_RECIPIENT", "the record has no key sealed for this recipient"); }
}

/** The sealed DEK does not open with the recipient's X25519 key (altered, or sealed to another key). */
export class TamperedKey extends AnxinCryptoError {
  constructor() { super("TAMPERED_KEY", "the sealed content key does not open with this recipient's key"); }
}

/** XChaCha20-Poly1305 authentication failed: ciphertext, nonce or header was altered. */
export class TamperedCiphertext extends AnxinCryptoError {
  constructor() { super("TAMPERED_CIPHERTEXT", "the ciphertext failed authentication (ciphertext, nonce or header altered)"); }
}

/** `sig` is not the author's signature over contentHash. */
export class InvalidSignature extends AnxinCryptoError {
  constructor(message = "the signature is not the author's signature over the content hash") {
    super("INVALID_SIGNATURE", message);
  }
}

/** A keystore could not be opened: wrong passphrase, or the file was altered. */
export class WrongPassphrase extends AnxinCryptoError {
  constructor() { super("WRONG_PASSPHRASE", "wrong passphrase, or the keystore was altered"); }
}

/** A key-derivation input is invalid (seed length, counterparty). */
export class InvalidKeyInput extends AnxinCryptoError {
  constructor(message: string) { super("INVALID_KEY_INPUT", message); }
}
