/** The service's errors: the one `AppError` every HTTP service shares (`@switchboard/service-kit`). */
export { AppError, methodNotAllowed, notFound, validationFailed } from '@switchboard/service-kit';
