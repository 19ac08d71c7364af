import pino, { type Logger } from "pino";

// Redaction is a second line of defence: we never log bodies, but if a field slips in, it is censored.
const PERSONAL = ["name", "phone", "idNumber", "address", "plaintext", "note", "text", "passphrase", "privateKey", "seed", "password", "contact", "email"];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { svc: "anxin" },
      redact: {
        paths: [
          "req.headers.authorization",
          "req.headers.cookie",
          "headers.authorization",
          "authorization",
          "token",
          ...PERSONAL,
          ...PERSONAL.map((p) => `*.${p}`),
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
