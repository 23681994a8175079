/** The time-ordered ids every service makes (`@switchboard/service-kit`). */
export { newId, type IdPrefix } from '@switchboard/service-kit';
