// A lifecycle hook for lamb's traffic shifts (Node.js 18 or later on Lambda).
//
// Name this function in lamb.yaml under deploy.hooks (beforeAllowTraffic or
// afterAllowTraffic). Put your check in check(): throw to fail the shift.
//
// engine: codedeploy  CodeDeploy invokes the hook with DeploymentId and
//                     LifecycleEventHookExecutionId and waits, for up to an
//                     hour, until the hook reports Succeeded or Failed with
//                     PutLifecycleEventHookExecutionStatus. The hook's role
//                     needs codedeploy:PutLifecycleEventHookExecutionStatus.
// engine: direct      lamb invokes the hook and reads its answer: an error,
//                     or {"status":"Failed"}, stops the shift.
//
// The AWS SDK for JavaScript v3 is part of the Lambda Node.js runtimes, so
// this file deploys alone.
import {
  CodeDeployClient,
  PutLifecycleEventHookExecutionStatusCommand,
} from "@aws-sdk/client-codedeploy";

const codedeploy = new CodeDeployClient({});

export const handler = async (event) => {
  let status = "Succeeded";
  try {
    await check(event);
  } catch (err) {
    console.error("hook check failed:", err);
    status = "Failed";
  }
  const deploymentId = event?.DeploymentId;
  const lifecycleEventHookExecutionId = event?.LifecycleEventHookExecutionId;
  if (deploymentId && lifecycleEventHookExecutionId) {
    // Without this call CodeDeploy waits an hour and then fails the shift.
    await codedeploy.send(
      new PutLifecycleEventHookExecutionStatusCommand({
        deploymentId,
        lifecycleEventHookExecutionId,
        status,
      }),
    );
  }
  return { status };
};

// check is where the new version is tested: call its endpoint, invoke it
// with a known payload, compare the answer. Throw to fail the shift.
async function check(event) {
  console.log("checking the new version", JSON.stringify(event));
}
