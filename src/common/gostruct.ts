// A Go struct in an inspect document, for --format templates: fmt's %v prints
// a struct's fields in order, `{/dev/sda 1048576}`, where a map (our plain
// objects) prints `map[Path:/dev/sda Rate:1048576]`. The template's %v takes a
// non-default toString as a Stringer; it is not enumerable, so JSON output
// keeps the plain fields. Kept apart from gotemplate/ so inspect does not load it.

/** Marks `o` (fields of strings and numbers, in Go's order) as a Go struct. */
export function goStruct<T extends object>(o: T): T {
  return Object.defineProperty(o, 'toString', { value: structString, enumerable: false });
}

function structString(this: object): string {
  return `{${Object.values(this).map(String).join(' ')}}`;
}
