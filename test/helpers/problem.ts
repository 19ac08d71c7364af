import { ApiError } from "../../src/client/index.js";

/** Awaits a request that must fail and returns its problem+json error (any other failure is rethrown). */
export async function problem(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected the request to fail");
}
