// IndexedDB for what stays on this device: the resident's passphrase-encrypted seed store, the list of
// counterparties (so the resident can sign in to each relationship), and staff JSON keystores. Never plaintext keys.
const DB_NAME = "anxin";
const STORE = "kv";

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const r = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(r.result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}

export const kv = {
  get<T>(key: string): Promise<T | undefined> {
    return tx("readonly", (s) => s.get(key) as IDBRequest<T | undefined>);
  },
  async set(key: string, value: unknown): Promise<void> {
    await tx("readwrite", (s) => s.put(value, key));
  },
  async del(key: string): Promise<void> {
    await tx("readwrite", (s) => s.delete(key));
  },
};

export interface Counterparty {
  /** lowercase 0x address of the other side (counselor, matcher). */
  address: string;
  role: "counselor" | "matcher";
  /** Local display label only; never sent to the server. */
  label?: string;
}

export async function counterparties(): Promise<Counterparty[]> {
  return (await kv.get<Counterparty[]>("resident.counterparties")) ?? [];
}

export async function addCounterparty(c: Counterparty): Promise<void> {
  const list = await counterparties();
  const a = c.address.toLowerCase();
  if (!list.some((x) => x.address === a)) list.push({ ...c, address: a });
  await kv.set("resident.counterparties", list);
}
