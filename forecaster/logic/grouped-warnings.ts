/**
 * Warnings that many subjects share, said once: Prometheus answers every rule's query with the
 * same "metric might not be a counter" when the template is wrong, and a thousand copies of one
 * line hide every other warning of the cycle.
 */
export class GroupedWarnings {
  readonly #subjects = new Map<string, string[]>();

  add(text: string, subject: string): void {
    const subjects = this.#subjects.get(text);
    if (subjects) subjects.push(subject);
    else this.#subjects.set(text, [subject]);
  }

  /** One line per distinct text, in the order first seen, naming up to `named` subjects. */
  lines(named = 3): string[] {
    return [...this.#subjects].map(([text, subjects]) => {
      if (subjects.length === 1) return `${subjects[0]}: ${text}`;
      const shown = subjects.slice(0, named).join(", ");
      const more = subjects.length - named;
      return `${text} (${subjects.length} times: ${shown}${more > 0 ? ` and ${more} more` : ""})`;
    });
  }
}
