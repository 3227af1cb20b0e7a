// A set of checkboxes for a list of values (roles, teams), as one fieldset.
export function Checks({ legend, options, value, onChange }: {
  legend: string;
  options: { value: string; label: string }[];
  value: string[];
  onChange(v: string[]): void;
}) {
  return (
    <fieldset className="field checks">
      <legend>{legend}</legend>
      {options.map((o) => (
        <label key={o.value} className="check">
          <input type="checkbox" checked={value.includes(o.value)}
            onChange={(e) => onChange(e.target.checked ? [...value, o.value] : value.filter((x) => x !== o.value))} />
          {o.label}
        </label>
      ))}
    </fieldset>
  );
}
