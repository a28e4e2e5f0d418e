import { GetBootstrapBrokersCommand, KafkaClient } from '@aws-sdk/client-kafka';
import { mockClient } from 'aws-sdk-client-mock';
import { Kafka } from 'kafkajs';
import { kafkaFromEnv, mskBootstrapBrokers } from '../../lambdas/platform/bus/kafka-client';

const msk = mockClient(KafkaClient);
const clusterArn = 'arn:aws:kafka:eu-west-1:111122223333:cluster/eventline/abc-1';

afterAll(() => msk.restore());

describe('mskBootstrapBrokers', () => {
  beforeEach(() => msk.reset());

  it('returns the SASL/IAM bootstrap brokers of the cluster', async () => {
    msk
      .on(GetBootstrapBrokersCommand, { ClusterArn: clusterArn })
      .resolves({ BootstrapBrokerStringSaslIam: 'b-1.x:9098,b-2.x:9098', BootstrapBrokerStringTls: 'b-1.x:9094' });
    await expect(mskBootstrapBrokers(clusterArn, 'eu-west-1')).resolves.toEqual(['b-1.x:9098', 'b-2.x:9098']);
  });

  it('fails when the cluster has no IAM listener', async () => {
    msk.on(GetBootstrapBrokersCommand).resolves({ BootstrapBrokerStringTls: 'b-1.x:9094' });
    await expect(mskBootstrapBrokers(clusterArn, 'eu-west-1')).rejects.toThrow(/no IAM/);
  });
});

describe('kafkaFromEnv', () => {
  // One module-scope cache per test file: the order below is part of what is tested.
  beforeAll(() => msk.reset());

  it('refuses the embedded backend, and does not cache the failure', async () => {
    await expect(kafkaFromEnv({ EVENTLINE_BACKEND: 'embedded' })).rejects.toThrow(/embedded backend has no Kafka/);
  });

  it('needs MSK_CLUSTER_ARN in AWS', async () => {
    await expect(kafkaFromEnv({ EVENTLINE_BACKEND: 'aws', AWS_REGION: 'eu-west-1' })).rejects.toThrow(/MSK_CLUSTER_ARN/);
  });

  it('resolves the bootstrap brokers once per container in AWS', async () => {
    msk.on(GetBootstrapBrokersCommand).resolves({ BootstrapBrokerStringSaslIam: 'b-1.x:9098' });
    const env = { EVENTLINE_BACKEND: 'aws', AWS_REGION: 'eu-west-1', MSK_CLUSTER_ARN: clusterArn };
    const first = await kafkaFromEnv(env);
    const second = await kafkaFromEnv(env);
    expect(first).toBeInstanceOf(Kafka);
    expect(second).toBe(first);
    expect(msk.commandCalls(GetBootstrapBrokersCommand)).toHaveLength(1);
    expect(msk.commandCalls(GetBootstrapBrokersCommand)[0].args[0].input).toEqual({ ClusterArn: clusterArn });
  });
});
