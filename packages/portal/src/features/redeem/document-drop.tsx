// Drop (or pick) one protocol document: a context / receipt (*.tctx). Reads it as text in the browser and
// checks it is the kind of document asked for before anything is sent.

import '@mantine/dropzone/styles.css';
import { Group, Stack, Text } from '@mantine/core';
import { Dropzone } from '@mantine/dropzone';
import { IconFileCertificate, IconUpload, IconX } from '@tabler/icons-react';
import { useState } from 'react';
import { documentKind } from './api/gateway.js';

const MAX_BYTES = 4 * 1024 * 1024;

export const DocumentDrop = ({
  label,
  hint,
  disabled,
  onDocument,
  testId,
}: {
  label: string;
  hint: string;
  disabled?: boolean;
  onDocument: (text: string, fileName: string) => void;
  testId?: string;
}) => {
  const [error, setError] = useState<string | null>(null);
  const [fileName, setFileName] = useState<string | null>(null);

  const read = async (file: File) => {
    setError(null);
    const text = await file.text();
    const kind = documentKind(text);
    if (kind === 'update') {
      setError(
        `${file.name} is an update file (*.tupd). Import it with the tessera CLI, then upload the context it asks for here.`,
      );
      return;
    }
    if (kind !== 'context') {
      setError(
        `${file.name} is not a Tessera context file. Write one with "tessera context <serial> -o request.tctx".`,
      );
      return;
    }
    setFileName(file.name);
    onDocument(text, file.name);
  };

  return (
    <Stack gap={6}>
      <Dropzone
        onDrop={(files) => {
          const file = files[0];
          if (file) void read(file);
        }}
        onReject={(rejections) =>
          setError(
            rejections[0]?.errors[0]?.code === 'file-too-large'
              ? 'The file is larger than 4 MiB; a context file is much smaller. Check you chose the right file.'
              : 'Drop one file at a time.',
          )
        }
        maxFiles={1}
        maxSize={MAX_BYTES}
        multiple={false}
        disabled={disabled}
        aria-label={label}
        data-testid={testId}
        radius="md"
      >
        <Group justify="center" gap="lg" mih={96} style={{ pointerEvents: 'none' }} wrap="nowrap">
          <Dropzone.Accept>
            <IconUpload size={40} stroke={1.5} color="var(--mantine-color-blue-8)" aria-hidden />
          </Dropzone.Accept>
          <Dropzone.Reject>
            <IconX size={40} stroke={1.5} color="var(--mantine-color-red-8)" aria-hidden />
          </Dropzone.Reject>
          <Dropzone.Idle>
            <IconFileCertificate size={40} stroke={1.5} color="var(--mantine-color-gray-7)" aria-hidden />
          </Dropzone.Idle>
          <div>
            <Text fw={600}>{fileName ? `Chosen: ${fileName}` : label}</Text>
            <Text size="sm" c="dimmed">
              {hint}
            </Text>
          </div>
        </Group>
      </Dropzone>
      {error ? (
        <Text size="sm" c="red.8" role="alert">
          {error}
        </Text>
      ) : null}
    </Stack>
  );
};
