import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { TimeFormat } from './format-time.js';

/** The page's time format, made once at its root (`console-main.tsx`, `widget-main.tsx`). */
export const TimeFormatContext = createContext<TimeFormat | null>(null);

/** The page's time format (`TimeFormatContext`); throws when none was provided. */
export function useTimeFormat(): TimeFormat {
  const format = useContext(TimeFormatContext);
  if (!format) throw new Error('Time: no TimeFormatContext above this component');
  return format;
}

/** A `<time>` element showing an ISO time in the page's format (nothing for `null`). */
export function Time({ iso }: { readonly iso: string | null }) {
  const format = useTimeFormat();
  return iso === null ? null : <time dateTime={iso}>{format(iso)}</time>;
}
