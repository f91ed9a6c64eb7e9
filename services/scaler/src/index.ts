/** Placeholder until the package lands. */
export const packageName = '@taskfleet/scaler';
