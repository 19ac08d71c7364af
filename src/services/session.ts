// Who is asking: the roles and the signed-in session are domain concepts; the http adapter only carries them.

/** public: anyone; resident: any signed-in pseudonymous address that holds no staff role. */
export const ROLES = ["public", "resident", "counselor", "auditor", "matcher", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface Session {
  address: string; // lowercase 0x address
  roles: Set<Role>;
  /** True for an address that was accredited but is suspended or expired now. */
  formerCounselor: boolean;
}
