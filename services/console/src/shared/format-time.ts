/**
 * Times for lists and messages, in the reader's locale and zone: the clock time today, else the date and time. The
 * formatters are made once (an inbox formats hundreds of times per render, and making one is the expensive part).
 */
export interface TimeFormat {
  (iso: string | null): string;
}

export function createTimeFormat(locale?: string): TimeFormat {
  const clock = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  const dated = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  return (iso) => {
    if (iso === null) return '';
    const at = new Date(iso);
    if (Number.isNaN(at.getTime())) return '';
    return (at.toDateString() === new Date().toDateString() ? clock : dated).format(at);
  };
}
