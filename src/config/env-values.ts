/**
 * Environment strings to the settings' types, for @Transform. An empty variable counts as unset
 * (`X= cmd` in a shell), and a value that cannot be read is left as it is, so that the
 * property's validator reports it under the variable's name.
 */
export const toBool = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  const v = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value; // left as is so that @IsBoolean reports it
};
export const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : /^-?\d+$/.test(String(value)) ? Number(value) : value;
export const toNumber = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : /^-?\d+(\.\d+)?$/.test(String(value)) ? Number(value) : value;
export const toList = ({ value }: { value: unknown }) =>
  value === undefined
    ? []
    : String(value)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
