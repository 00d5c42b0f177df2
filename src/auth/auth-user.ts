/**
 * The signed-in user as every guarded handler sees it (through `@CurrentUser()`): a small plain
 * object read from the users table on each request, never an entity, never the password hash.
 */
export interface AuthUser {
  id: number;
  username: string;
  email: string;
  isSuperuser: boolean;
  isStaff: boolean;
  isActive: boolean;
}
