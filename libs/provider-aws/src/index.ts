/** Placeholder until the Auto Scaling Group provider lands. */
export const providerAwsName = 'aws';
