// The file-based flow: upload the container's context, download the update, import it with the tessera
// CLI, then upload the receipt (a context written after the import) so Central knows the licenses arrived.

import { Alert, Button, Code, Stack, Stepper, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorSentence } from '../../api/problem.js';
import { StateBadge } from '../../components/display.js';
import {
  type GatewayResult,
  OPERATION_VERB,
  type Operation,
  requestUpdates,
  sendReceipt,
} from './api/gateway.js';
import { DocumentDrop } from './document-drop.js';
import { UpdateDownloads } from './update-downloads.js';
import { UploadProgress } from './upload-progress.js';

export const FilesFlow = ({
  ticket,
  operation,
  ready,
  onIssued,
}: {
  ticket: string;
  operation: Operation | null;
  /** Why the operation cannot start yet (e.g. no license chosen); null when it can. */
  ready: string | null;
  /** Called once Central issued the update, so the page keeps this flow open while the ticket changes. */
  onIssued?: () => void;
}) => {
  const queryClient = useQueryClient();
  const [context, setContext] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [issued, setIssued] = useState<GatewayResult | null>(null);
  const [confirmed, setConfirmed] = useState<GatewayResult | null>(null);
  const verb = operation ? OPERATION_VERB[operation.kind] : 'Activate';
  const step = confirmed ? 2 : issued ? 1 : 0;

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['tickets'] });
    void queryClient.invalidateQueries({ queryKey: ['license-history'] });
  };

  const send = async () => {
    if (!operation || !context) return;
    setBusy(true);
    setError(null);
    try {
      setIssued(await requestUpdates(ticket, operation, context, setProgress));
      onIssued?.();
      refresh();
    } catch (e) {
      setError(errorSentence(e));
    } finally {
      setBusy(false);
      setProgress(null);
    }
  };

  const receipt = async (text: string) => {
    setBusy(true);
    setError(null);
    try {
      setConfirmed(await sendReceipt(text, setProgress));
      refresh();
    } catch (e) {
      setError(errorSentence(e));
    } finally {
      setBusy(false);
      setProgress(null);
    }
  };

  return (
    <Stack gap="md">
      {error ? (
        <Alert color="red" role="alert" title="That did not work">
          {error}
        </Alert>
      ) : null}
      <Stepper active={step} orientation="vertical" size="sm" allowNextStepsSelect={false}>
        <Stepper.Step label="Upload the context" description="The request from the container (*.tctx)">
          <Stack gap="sm" mt="xs">
            <Text size="sm">
              On the machine with the container, write a context:{' '}
              <Code>tessera context &lt;serial&gt; -o request.tctx</Code>
            </Text>
            <DocumentDrop
              label="Drop the context file here, or click to choose it"
              hint="request.tctx — at most 4 MiB"
              disabled={busy}
              onDocument={(text) => setContext(text)}
              testId="context-drop"
            />
            <UploadProgress value={progress} label="Uploading the context" />
            {ready ? (
              <Text size="sm" c="dimmed">
                {ready}
              </Text>
            ) : null}
            <div>
              <Button onClick={() => void send()} loading={busy} disabled={!context || ready !== null}>
                {verb} and create the update
              </Button>
            </div>
          </Stack>
        </Stepper.Step>
        <Stepper.Step
          label="Import the update, upload the receipt"
          description="*.tupd in, receipt (*.tctx) back"
        >
          {issued ? (
            <Stack gap="sm" mt="xs">
              <UpdateDownloads result={issued} />
              <Text size="sm">
                After the import, write a receipt:{' '}
                <Code>tessera context {issued.serial} -o receipt.tctx</Code>
              </Text>
              <DocumentDrop
                label="Drop the receipt here, or click to choose it"
                hint="receipt.tctx"
                disabled={busy}
                onDocument={(text) => void receipt(text)}
                testId="receipt-drop"
              />
              <UploadProgress value={progress} label="Uploading the receipt" />
            </Stack>
          ) : null}
        </Stepper.Step>
        <Stepper.Completed>
          {confirmed ? (
            <Alert color="green" title="Done" role="status">
              <Stack gap={6}>
                <Text size="sm">Central has the receipt from container {confirmed.serial}.</Text>
                {confirmed.licenses.map((l) => (
                  <Text size="sm" key={l.id}>
                    Product {l.productCode}, generation {l.generation}: <StateBadge state={l.state} />
                  </Text>
                ))}
              </Stack>
            </Alert>
          ) : null}
        </Stepper.Completed>
      </Stepper>
    </Stack>
  );
};
