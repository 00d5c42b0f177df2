/**
 * The signed-in user as every guarded handler sees it (through `@CurrentUser()`): a small plain
 * object looked up on each request (from the users table, or from UsersService's cache that
 * the database's change notifications keep current), never an entity, never the password hash.
 */
export interface AuthUser {
  id: number;
  username: string;
  email: string;
  isSuperuser: boolean;
  isStaff: boolean;
  isActive: boolean;
}
