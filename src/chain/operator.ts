// The operator's signer: one key sends relayed consents, checkpoints and registry actions from several workers.
// Sends are serialised in this process and each takes its nonce from the node's pending count at send time, so a
// transaction that fails before broadcast (estimateGas revert, RPC down) leaves no nonce gap behind it — the
// failure mode of a counting NonceManager, which would stall every later transaction.
import { AbstractSigner, type Provider, type TransactionRequest, type TransactionResponse, type TypedDataDomain, type TypedDataField, type Wallet } from "ethers";

export class OperatorSigner extends AbstractSigner {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly wallet: Wallet,
    provider: Provider,
  ) {
    super(provider);
  }

  getAddress(): Promise<string> {
    return Promise.resolve(this.wallet.address);
  }

  connect(provider: Provider | null): OperatorSigner {
    return new OperatorSigner(this.wallet, provider!);
  }

  signTransaction(tx: TransactionRequest): Promise<string> {
    return this.wallet.connect(this.provider).signTransaction(tx);
  }

  signMessage(message: string | Uint8Array): Promise<string> {
    return this.wallet.signMessage(message);
  }

  signTypedData(domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: Record<string, any>): Promise<string> {
    return this.wallet.signTypedData(domain, types, value);
  }

  sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    const run = this.#queue.then(async () => {
      const provider = this.provider as Provider & { send?: (m: string, p: unknown[]) => Promise<string> };
      const nonce = provider.send
        ? Number(await provider.send("eth_getTransactionCount", [this.wallet.address, "pending"]))
        : await provider.getTransactionCount(this.wallet.address, "pending");
      return this.wallet.connect(this.provider).sendTransaction({ ...tx, nonce });
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Kept for callers written against NonceManager: nothing to reset, the nonce is read fresh per send. */
  reset(): void {}
}
