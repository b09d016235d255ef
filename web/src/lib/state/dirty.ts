// Forms with unsaved input. An app update (a page reload) waits while any is dirty.
const dirtyForms = new Set<string>()

export function setDirty(formId: string, dirty: boolean): void {
  if (dirty) dirtyForms.add(formId)
  else dirtyForms.delete(formId)
}

export function anyDirty(): boolean {
  return dirtyForms.size > 0
}
