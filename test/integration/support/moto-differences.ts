/** A key moto emits that real AWS does not, so the emulator need not copy it. */
export interface MotoOnlyKey {
  /** The scenario step whose response carries it. */
  readonly step: string;
  /** The path as ShapeDifference names it. */
  readonly path: string;
  /** Why it is a moto artifact, with the moto 5.2.1 source that produces it. */
  readonly reason: string;
}

const describeInstancesSteps = ['DescribeInstances (filters)', 'DescribeInstances (ids)'];

/** Keys left out of the comparison; the test checks that moto still sends each, so the list cannot rot. */
export const motoOnlyKeys: readonly MotoOnlyKey[] = [
  {
    step: 'TerminateInstanceInAutoScalingGroup',
    path: 'Activity.EndTime',
    reason:
      'moto/autoscaling/models.py Activity sets end_time = utcnow() even for an InProgress activity; ' +
      'an activity that has not ended has no EndTime',
  },
  ...describeInstancesSteps.flatMap((step): MotoOnlyKey[] => [
    {
      step,
      path: 'Reservations[].Instances[].StateReason',
      reason:
        'moto/ec2/models/instances.py sets an empty StateReason() ({Code:"",Message:""}) on running ' +
        'instances; AWS reports a state reason only after a state change',
    },
    {
      step,
      path: 'Reservations[].Instances[].SriovNetSupport',
      reason:
        'moto/ec2/models/instances.py hard-codes sriov_net_support = "simple" for every instance type; ' +
        'it is an attribute of Intel 82599 enhanced networking, not of t3 instances',
    },
  ]),
];
